"""boto3 AppStream clients for the emulator, with dummy keys, for tests that call it directly."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config


def appstream_client(emulator, **config: Any):
    """Return a boto3 AppStream client for the emulator; keyword arguments go to botocore's Config."""
    return boto3.client(
        "appstream",
        region_name="us-east-1",
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(**config) if config else None,
    )
