"""AppStream regions from botocore's endpoint data (imports botocore, so call it off the GUI thread)."""

from __future__ import annotations

import functools

# Shown at once, before botocore's data has loaded; the full list replaces it.
COMMON_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-southeast-2")
FALLBACK_REGION = "us-east-1"


@functools.lru_cache(maxsize=1)
def appstream_regions() -> tuple[str, ...]:
    """Return every region where AppStream has an endpoint, in all AWS partitions (GovCloud included)."""
    import botocore.session

    session = botocore.session.get_session()
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("appstream", partition_name=partition))
    return tuple(sorted(regions))
