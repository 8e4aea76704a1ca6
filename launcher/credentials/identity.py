"""Test a credential source with STS GetCallerIdentity, which every valid AWS identity may call."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from launcher.appstream.errors import translate_error

if TYPE_CHECKING:
    from launcher.appstream.clients import Target

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallerIdentity:
    """The account, ARN and user ID that STS returns for a credential source."""

    account: str
    arn: str
    user_id: str

    def describe(self) -> str:
        return f"Account {self.account}, {self.arn}"


def get_caller_identity(target: Target) -> CallerIdentity:
    """Call STS GetCallerIdentity with a fresh session of the target's source.

    Raises AppStreamError with the reason: keyring, MFA, credentials, network or endpoint.
    A fresh session is used so that a test after an edit never reuses a cached client, but
    temporary credentials of saved entries are shared (see launcher.credentials.sessions).
    """
    from launcher.appstream.clients import make_session
    from launcher.credentials.sessions import sts_client

    source = target.source
    label = source.name or source.label
    endpoint = target.endpoint_url
    try:
        session = make_session(source, target)
        sts = sts_client(session, target.region, target.endpoint_url)
        endpoint = sts.meta.endpoint_url
        response = sts.get_caller_identity()
    except Exception as error:
        translated = translate_error(
            error,
            operation="GetCallerIdentity",
            region=target.region,
            endpoint=endpoint or "the STS endpoint",
            source_label=label,
        )
        log.info("GetCallerIdentity failed for %s: %s", source.key, translated.message)
        raise translated from error
    identity = CallerIdentity(account=response["Account"], arn=response["Arn"], user_id=response["UserId"])
    log.info("GetCallerIdentity for %s: account %s, %s", source.key, identity.account, identity.arn)
    return identity
