"""AppStream regions from botocore's endpoint data (imports botocore, so call it off the GUI thread)."""

from __future__ import annotations

import functools
import re

# Shown at once, before botocore's data has loaded; the full list replaces it.
COMMON_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-southeast-2")
FALLBACK_REGION = "us-east-1"
# Region names as AWS forms them: "us-east-1", "us-gov-west-1", "ap-southeast-2", "eusc-de-east-1".
REGION_PATTERN = re.compile(r"[a-z]{2,4}(-[a-z]+)+-\d{1,2}", re.ASCII)


def region_problem(text: str) -> str | None:
    """Return why `text` is not a region name, or None when it is one."""
    if not text:
        return "No region is set. Choose a region, or type one such as us-east-1."
    if not REGION_PATTERN.fullmatch(text):
        return f"Region {text!r} is not a region name. Use a name such as us-east-1."
    return None


@functools.lru_cache(maxsize=1)
def appstream_regions() -> tuple[str, ...]:
    """Return every region where AppStream has an endpoint, in all AWS partitions (GovCloud included)."""
    import botocore.session

    from launcher.appstream.clients import shared_loader

    session = botocore.session.get_session()
    session.register_component("data_loader", shared_loader())
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("appstream", partition_name=partition))
    return tuple(sorted(regions))
