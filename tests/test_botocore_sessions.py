"""Sessions and clients built on botocore alone: session kinds, eager profile errors, user agent, no boto3 import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import botocore.session
import pytest
from botocore.exceptions import ProfileNotFound

from launcher import __version__
from launcher.appstream.clients import ClientCache, Target, make_session
from launcher.credentials.repository import CredentialsRepository, SavedCredentials
from launcher.credentials.sources import (
    DEFAULT_SOURCE,
    KIND_PROFILE,
    KIND_SAVED,
    KIND_STATIC,
    CredentialSource,
    StaticCredentials,
)

pytest_plugins = ["keyring_service"]
pytestmark = pytest.mark.usefixtures("clean_temporary_credentials")

REPOSITORY = Path(__file__).resolve().parents[1]
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
MFA_SERIAL = "arn:aws:iam::123456789012:mfa/demo"
ADMIN_ROLE = "arn:aws:iam::123456789012:role/AppStreamLauncherAdmin"
MFA_CODE = "123456"
REGION = "us-east-1"
TIMEOUT_SECONDS = 120
# Runs the app's entry point, then prints its exit status and which AWS SDK modules it loaded.
RUNNER = (
    "import json, sys\n"
    "from launcher.main import main\n"
    "status = main(sys.argv[1:])\n"
    "loaded = {name: name in sys.modules for name in ('boto3', 's3transfer', 'botocore.session')}\n"
    "print(json.dumps({'status': status, **loaded}))\n"
)


@pytest.fixture
def aws_files(tmp_path):
    """Write a profile with keys and an assume-role profile with MFA into the test's AWS files."""
    (tmp_path / "aws" / "config").write_text(
        "[profile base]\nregion = eu-west-1\n\n"
        f"[profile admin]\nrole_arn = {ADMIN_ROLE}\nsource_profile = base\nmfa_serial = {MFA_SERIAL}\n"
    )
    (tmp_path / "aws" / "credentials").write_text(
        f"[base]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET}\n"
    )


def static_source() -> CredentialSource:
    return CredentialSource(KIND_STATIC, "keys", StaticCredentials(ACCESS_KEY_ID, SECRET))


# Session kinds -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [DEFAULT_SOURCE, CredentialSource(KIND_PROFILE, "base"), static_source()],
    ids=["default", "profile", "static"],
)
def test_make_session_returns_botocore_session(aws_files, source):
    assert type(make_session(source)) is botocore.session.Session


def test_saved_session_is_botocore(keyring_backend):
    source = CredentialSource(KIND_SAVED, "plain")
    CredentialsRepository().save(SavedCredentials("plain", ACCESS_KEY_ID), secret_access_key=SECRET)

    session = make_session(source, Target(source, "eu-west-1"))

    assert type(session) is botocore.session.Session
    assert session.get_config_variable("region") == "eu-west-1"
    assert session.get_credentials().access_key == ACCESS_KEY_ID


def test_saved_mfa_session_defers_fetch(keyring_backend):
    source = CredentialSource(KIND_SAVED, "mfa")
    entry = SavedCredentials("mfa", ACCESS_KEY_ID, mfa_serial=MFA_SERIAL)
    CredentialsRepository().save(entry, secret_access_key=SECRET)

    session = make_session(source, Target(source, "eu-west-1"))

    assert type(session) is botocore.session.Session
    assert session.get_config_variable("region") == "eu-west-1"
    # Reading the method does not fetch, so no MFA prompt and no STS call happen here.
    assert session.get_credentials().method == "appstream-launcher-saved-mfa"


def test_make_session_profile_sets_profile(aws_files):
    assert make_session(CredentialSource(KIND_PROFILE, "base")).profile == "base"


def test_make_session_static_uses_keys(aws_files):
    credentials = make_session(static_source()).get_credentials()

    assert credentials.method == "explicit"
    assert credentials.access_key == ACCESS_KEY_ID


def test_make_session_missing_profile_raises(aws_files):
    with pytest.raises(ProfileNotFound, match="ghost"):
        make_session(CredentialSource(KIND_PROFILE, "ghost"))


@pytest.mark.parametrize("source", [DEFAULT_SOURCE, static_source()], ids=["default", "static"])
def test_make_session_missing_aws_profile_raises(aws_files, monkeypatch, source):
    monkeypatch.setenv("AWS_PROFILE", "ghost")

    with pytest.raises(ProfileNotFound, match="ghost"):
        make_session(source)


# Clients ----------------------------------------------------------------------------------------


def test_client_user_agent_names_launcher(emulator):
    client = ClientCache().client(Target(static_source(), REGION, emulator.endpoint_url))
    agents: list[str] = []

    def record(request, **kwargs):
        value = request.headers["User-Agent"]
        agents.append(value.decode() if isinstance(value, bytes) else value)

    client.meta.events.register("before-send", record)
    client.describe_stacks()

    assert len(agents) == 1
    assert agents[0].startswith("Botocore/")
    assert agents[0].endswith(f"appstream-launcher/{__version__}")


def test_client_profile_uses_profile_keys(aws_files, emulator):
    client = ClientCache().client(Target(CredentialSource(KIND_PROFILE, "base"), REGION, emulator.endpoint_url))

    assert client.describe_stacks()["Stacks"]
    assert client.meta.region_name == REGION


# No boto3 on the request path -----------------------------------------------------------------


@pytest.fixture
def run_launcher():
    """Return a function that runs the app's entry point in a new interpreter.

    The function returns the exit status, which AWS SDK modules were loaded, and the output.
    """
    environment = {name: value for name, value in os.environ.items() if name != "PYTHON_KEYRING_BACKEND"}

    def run(*args: str, extra_env: dict[str, str] | None = None) -> dict:
        result = subprocess.run(
            [sys.executable, "-c", RUNNER, *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            cwd=REPOSITORY,
            env={**environment, **(extra_env or {})},
        )
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout.strip().splitlines()[-1])
        report["stdout"] = result.stdout
        report["stderr"] = result.stderr
        return report

    return run


def assert_botocore_only(report: dict) -> None:
    assert report["status"] == 0, report["stderr"]
    assert report["botocore.session"] is True
    assert report["boto3"] is False
    assert report["s3transfer"] is False


def test_cli_environment_keys_skip_boto3(run_launcher, emulator):
    report = run_launcher(
        "--region", REGION, "--endpoint-url", emulator.endpoint_url, "stacks",
        extra_env={"AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET},
    )

    assert_botocore_only(report)
    assert "office-hq" in report["stdout"]


def test_cli_role_profile_skips_boto3(run_launcher, aws_files, emulator):
    report = run_launcher(
        "--profile", "admin", "--mfa-code", MFA_CODE, "--region", REGION,
        "--endpoint-url", emulator.endpoint_url, "stacks",
    )

    assert_botocore_only(report)
    assert emulator.calls.count("AssumeRole") == 1


def test_cli_saved_role_skips_boto3(run_launcher, keyring_backend, emulator):
    entry = SavedCredentials("admin", ACCESS_KEY_ID, region=REGION, role_arn=ADMIN_ROLE, mfa_serial=MFA_SERIAL)
    CredentialsRepository().save(entry, secret_access_key=SECRET)

    report = run_launcher(
        "--credentials", "admin", "--mfa-code", MFA_CODE, "--endpoint-url", emulator.endpoint_url, "stacks"
    )

    assert_botocore_only(report)
    assert emulator.calls.count("AssumeRole") == 1


def test_cli_botocore_url_skips_boto3(run_launcher, emulator):
    # With the endpoint in AWS_ENDPOINT_URL_APPSTREAM, the url command leaves the request to botocore.
    report = run_launcher(
        "--region", REGION, "url", "--stack", "office-hq", "--fleet", "office-always-on", "--user-id", "alice",
        extra_env={
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET,
            "AWS_ENDPOINT_URL_APPSTREAM": emulator.endpoint_url,
        },
    )

    assert_botocore_only(report)
    assert report["stdout"].startswith("http")


def test_sessions_share_one_data_loader():
    from launcher.appstream.clients import new_session

    assert new_session().get_component("data_loader") is new_session().get_component("data_loader")
