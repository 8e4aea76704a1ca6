"""Credential sources the launcher offers: the default AWS chain, AWS profiles and static keys.

Profiles are read from the shared config and credentials files with configparser, so listing
them does not import botocore (which keeps it off the window's start-up path).
"""

from __future__ import annotations

import configparser
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

KIND_DEFAULT = "default"
KIND_PROFILE = "profile"
KIND_SAVED = "saved"
KIND_STATIC = "static"


@dataclass(frozen=True)
class StaticCredentials:
    """Keys held in memory only; repr hides the secret parts."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class CredentialSource:
    """The origin of a request's credentials.

    `key` is the stable string stored in settings: "default", "profile:NAME", "saved:NAME" or
    "static:NAME". Static sources carry their keys in memory and are never stored.
    """

    kind: str
    name: str = ""
    credentials: StaticCredentials | None = field(default=None, repr=False, compare=False)

    @property
    def key(self) -> str:
        return KIND_DEFAULT if self.kind == KIND_DEFAULT else f"{self.kind}:{self.name}"

    @property
    def label(self) -> str:
        if self.kind == KIND_DEFAULT:
            return "Default AWS credential chain"
        if self.kind == KIND_PROFILE:
            return f"Profile: {self.name}"
        if self.kind == KIND_SAVED:
            return f"Saved: {self.name}"
        return self.name

    @classmethod
    def from_key(cls, key: str) -> CredentialSource | None:
        """Parse a stored key; return None for an unknown or static one."""
        if key == KIND_DEFAULT:
            return cls(KIND_DEFAULT)
        kind, _, name = key.partition(":")
        if kind in (KIND_PROFILE, KIND_SAVED) and name:
            return cls(kind, name)
        return None


DEFAULT_SOURCE = CredentialSource(KIND_DEFAULT)


def config_file_path() -> Path:
    return Path(os.environ.get("AWS_CONFIG_FILE") or Path.home() / ".aws" / "config").expanduser()


def credentials_file_path() -> Path:
    return Path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or Path.home() / ".aws" / "credentials").expanduser()


def _read_ini(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError) as error:
        log.warning("Cannot read AWS file %s: %s", path, error)
        return configparser.RawConfigParser()
    return parser


def _config_profiles() -> dict[str, dict[str, str]]:
    """Return each profile of the config file with its settings ("profile NAME" sections)."""
    parser = _read_ini(config_file_path())
    profiles: dict[str, dict[str, str]] = {}
    for section in parser.sections():
        if section == "default":
            name = "default"
        elif section.startswith("profile "):
            name = section[len("profile ") :].strip()
        else:
            continue
        if name:
            profiles[name] = dict(parser.items(section))
    return profiles


def sso_session_settings(name: str) -> dict[str, str]:
    """Return the settings of an [sso-session NAME] section of the config file (sso_start_url, sso_region, ...)."""
    parser = _read_ini(config_file_path())
    for section in parser.sections():
        if section.startswith("sso-session ") and section[len("sso-session ") :].strip() == name:
            return dict(parser.items(section))
    return {}


def list_profiles() -> list[str]:
    """Return the names of every profile in the AWS config and credentials files, sorted."""
    names = set(_config_profiles())
    names.update(section.strip() for section in _read_ini(credentials_file_path()).sections() if section.strip())
    return sorted(names, key=lambda name: (name != "default", name.lower()))


def profile_settings(name: str) -> dict[str, str]:
    """Return the config-file settings of a profile (region, sso_*, role_arn, ...)."""
    return _config_profiles().get(name, {})


def profile_files(name: str) -> tuple[dict[str, str] | None, dict[str, str] | None]:
    """Return a profile's settings in the config file and in the credentials file, None where it has no section.

    Each file is read once. In the credentials file the section name must equal `name` exactly,
    as botocore requires: "[ lab ]" is not profile lab.
    """
    from_config = _config_profiles().get(name)
    parser = _read_ini(credentials_file_path())
    from_credentials = dict(parser.items(name)) if parser.has_section(name) else None
    return from_config, from_credentials


def environment_region() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None


def default_region(source: CredentialSource | None = None) -> str | None:
    """Return the default region of the source: AWS_REGION or AWS_DEFAULT_REGION, then the profile's region."""
    region = environment_region()
    if region:
        return region
    if source is not None and source.kind == KIND_PROFILE:
        return profile_settings(source.name).get("region") or None
    profile = os.environ.get("AWS_PROFILE") or "default"
    return profile_settings(profile).get("region") or None


def list_sources(saved_names: Iterable[str] = ()) -> list[CredentialSource]:
    """Return the default chain, every AWS profile, then the saved credentials named in `saved_names`.

    The saved names come from `CredentialsRepository.names()`, which reads only the settings file.
    """
    sources = [DEFAULT_SOURCE]
    sources.extend(CredentialSource(KIND_PROFILE, name) for name in list_profiles())
    sources.extend(CredentialSource(KIND_SAVED, name) for name in saved_names)
    return sources
