"""Sessions of saved credentials and MFA profiles, with STS on the emulator over HTTP and secrets in gnome-keyring."""

from __future__ import annotations

import datetime
import getpass
import hashlib
import json

import pytest

from launcher.appstream.api import AppStreamAPI
from launcher.appstream.clients import ClientCache, Target, make_session, session_with_keys
from launcher.appstream.errors import AppStreamError, ErrorKind
from launcher.credentials import sessions
from launcher.credentials.errors import MfaCodeError
from launcher.credentials.identity import get_caller_identity
from launcher.credentials.mfa import MfaCodeRequest, set_code_provider
from launcher.credentials.repository import CredentialsRepository, SavedCredentials
from launcher.credentials.sources import KIND_PROFILE, KIND_SAVED, CredentialSource
from launcher.credentials.sso import STATE_EXPIRED, STATE_MISSING, STATE_REFRESHABLE, STATE_VALID, check_sso_login, sso_status

pytest_plugins = ["keyring_service"]
pytestmark = pytest.mark.usefixtures("clean_temporary_credentials")

ACCOUNT = "123456789012"
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
MFA_SERIAL = "arn:aws:iam::123456789012:mfa/demo"
ADMIN_ROLE = "arn:aws:iam::123456789012:role/AppStreamLauncherAdmin"
PARTNER_ROLE = "arn:aws:iam::123456789012:role/AppStreamLauncherPartner"
PARTNER_EXTERNAL_ID = "launcher-partner-7f3a"


class RecordingCodeProvider:
    """An MFA code provider that returns a fixed code and records every request."""

    def __init__(self, code: str = "123456"):
        self.code = code
        self.requests: list[MfaCodeRequest] = []

    def __call__(self, request: MfaCodeRequest) -> str:
        self.requests.append(request)
        if isinstance(self.code, Exception):
            raise self.code
        return self.code


class FakeClock:
    """Real time plus an offset that a test moves forward."""

    def __init__(self):
        self.offset = datetime.timedelta()

    def __call__(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.timezone.utc) + self.offset


@pytest.fixture
def codes():
    provider = RecordingCodeProvider()
    previous = set_code_provider(provider)
    yield provider
    set_code_provider(previous)


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(sessions.temporary_credentials, "clock", fake)
    return fake


@pytest.fixture
def repository(keyring_backend):
    return CredentialsRepository()


def saved_target(name: str, emulator, region: str = "us-east-1") -> Target:
    return Target(CredentialSource(KIND_SAVED, name), region, emulator.endpoint_url)


def count(emulator, operation: str) -> int:
    return emulator.calls.count(operation)


# Saved keys without STS ---------------------------------------------------------------------


def test_saved_keys_list_stacks(repository, emulator):
    repository.save(SavedCredentials("plain", ACCESS_KEY_ID), secret_access_key=SECRET)
    api = AppStreamAPI(saved_target("plain", emulator), ClientCache())

    assert [stack.name for stack in api.list_stacks()]
    identity = get_caller_identity(saved_target("plain", emulator))
    assert identity.account == ACCOUNT
    assert identity.arn == "arn:aws:iam::123456789012:user/demo"
    assert count(emulator, "GetSessionToken") == 0


def test_missing_saved_entry_is_clear(repository, emulator):
    with pytest.raises(AppStreamError, match="No saved credentials are named 'ghost'") as caught:
        get_caller_identity(saved_target("ghost", emulator))
    assert caught.value.kind == ErrorKind.INVALID_INPUT


def test_invalid_keys_reported(repository, emulator):
    repository.save(SavedCredentials("revoked", "AKIAREVOKEDEXAMPLE12"), secret_access_key=SECRET)
    emulator.invalid_access_key_ids.add("AKIAREVOKEDEXAMPLE12")
    try:
        with pytest.raises(AppStreamError) as caught:
            get_caller_identity(saved_target("revoked", emulator))
    finally:
        emulator.invalid_access_key_ids.discard("AKIAREVOKEDEXAMPLE12")
    assert caught.value.kind == ErrorKind.CREDENTIALS_INVALID
    assert "did not accept the credentials" in caught.value.message


def test_sts_endpoint_follows_target():
    session = session_with_keys(ACCESS_KEY_ID, SECRET)
    assert sessions.sts_client(session, "eu-west-1", None).meta.endpoint_url == "https://sts.eu-west-1.amazonaws.com"
    assert sessions.sts_client(session, "eu-west-1", "http://127.0.0.1:9").meta.endpoint_url == "http://127.0.0.1:9"


# MFA with GetSessionToken --------------------------------------------------------------------


def test_mfa_code_asked_once_until_expiry(repository, emulator, codes, clock):
    repository.save(SavedCredentials("mfa", ACCESS_KEY_ID, mfa_serial=MFA_SERIAL), secret_access_key=SECRET)

    first = get_caller_identity(saved_target("mfa", emulator))
    assert first.arn == "arn:aws:iam::123456789012:user/demo"
    assert len(codes.requests) == 1
    assert codes.requests[0].serial_number == MFA_SERIAL
    assert codes.requests[0].source_label == "saved credentials 'mfa'"
    assert count(emulator, "GetSessionToken") == 1

    # A new session in another region and a list request reuse the temporary credentials.
    get_caller_identity(saved_target("mfa", emulator, region="eu-west-1"))
    AppStreamAPI(saved_target("mfa", emulator), ClientCache()).list_stacks()
    assert len(codes.requests) == 1
    assert count(emulator, "GetSessionToken") == 1

    # GetSessionToken gives 12 hours; shortly before the end a new code is needed.
    clock.offset = datetime.timedelta(hours=12) - datetime.timedelta(seconds=sessions.REFRESH_MARGIN_SECONDS - 5)
    get_caller_identity(saved_target("mfa", emulator))
    assert len(codes.requests) == 2
    assert count(emulator, "GetSessionToken") == 2


def test_mfa_credentials_never_stored(repository, emulator, codes, keyring_backend, tmp_path):
    repository.save(SavedCredentials("mfa", ACCESS_KEY_ID, mfa_serial=MFA_SERIAL), secret_access_key=SECRET)
    session = make_session(CredentialSource(KIND_SAVED, "mfa"), saved_target("mfa", emulator))
    temporary = session.get_credentials().get_frozen_credentials()

    assert temporary.access_key.startswith("ASIA")
    assert keyring_backend.usernames() == ["mfa/secret_access_key"]
    for path in tmp_path.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert temporary.secret_key not in text
            assert temporary.token not in text


def test_mfa_cancelled_then_asked_again(repository, emulator, codes):
    repository.save(SavedCredentials("mfa", ACCESS_KEY_ID, mfa_serial=MFA_SERIAL), secret_access_key=SECRET)
    codes.code = MfaCodeError("MFA code entry was cancelled, so saved credentials 'mfa' cannot be used.")

    with pytest.raises(MfaCodeError, match="cancelled"):
        get_caller_identity(saved_target("mfa", emulator))
    assert count(emulator, "GetSessionToken") == 0

    codes.code = "654321"
    assert get_caller_identity(saved_target("mfa", emulator)).account == ACCOUNT
    assert len(codes.requests) == 2


def test_mfa_without_provider_fails(repository, emulator):
    repository.save(SavedCredentials("mfa", ACCESS_KEY_ID, mfa_serial=MFA_SERIAL), secret_access_key=SECRET)
    previous = set_code_provider(None)
    try:
        with pytest.raises(MfaCodeError, match="no way to ask for it"):
            get_caller_identity(saved_target("mfa", emulator))
    finally:
        set_code_provider(previous)


def test_invalid_mfa_code_rejected_before_sts(repository, emulator, codes):
    repository.save(SavedCredentials("mfa", ACCESS_KEY_ID, mfa_serial=MFA_SERIAL), secret_access_key=SECRET)
    codes.code = "12ab"
    with pytest.raises(MfaCodeError, match="6 digits") as caught:
        get_caller_identity(saved_target("mfa", emulator))
    assert caught.value.kind == ErrorKind.INVALID_INPUT
    assert count(emulator, "GetSessionToken") == 0


# AssumeRole ----------------------------------------------------------------------------------


def test_role_with_mfa_assumed(repository, emulator, codes):
    entry = SavedCredentials("admin", ACCESS_KEY_ID, role_arn=ADMIN_ROLE, mfa_serial=MFA_SERIAL, role_session_name="alice")
    repository.save(entry, secret_access_key=SECRET)

    identity = get_caller_identity(saved_target("admin", emulator))
    assert identity.arn == "arn:aws:sts::123456789012:assumed-role/AppStreamLauncherAdmin/alice"
    assert len(codes.requests) == 1
    assert count(emulator, "AssumeRole") == 1
    assert count(emulator, "GetSessionToken") == 0


def test_role_requiring_mfa_denied_without(repository, emulator, codes):
    repository.save(SavedCredentials("admin", ACCESS_KEY_ID, role_arn=ADMIN_ROLE), secret_access_key=SECRET)

    with pytest.raises(AppStreamError) as caught:
        get_caller_identity(saved_target("admin", emulator))
    assert caught.value.kind == ErrorKind.ACCESS_DENIED
    assert "sts:AssumeRole" in caught.value.message
    assert codes.requests == []


def test_role_with_external_id(repository, emulator, codes, clock):
    entry = SavedCredentials("partner", ACCESS_KEY_ID, role_arn=PARTNER_ROLE, external_id=PARTNER_EXTERNAL_ID)
    repository.save(entry, secret_access_key=SECRET)

    identity = get_caller_identity(saved_target("partner", emulator))
    assert identity.arn == "arn:aws:sts::123456789012:assumed-role/AppStreamLauncherPartner/appstream-launcher"
    assert count(emulator, "AssumeRole") == 1

    # Without MFA the credentials refresh by themselves: AssumeRole again, no prompt.
    clock.offset = datetime.timedelta(hours=1)
    get_caller_identity(saved_target("partner", emulator))
    assert count(emulator, "AssumeRole") == 2
    assert codes.requests == []


def test_role_with_wrong_external_id_denied(repository, emulator, codes):
    entry = SavedCredentials("partner", ACCESS_KEY_ID, role_arn=PARTNER_ROLE, external_id="wrong-id")
    repository.save(entry, secret_access_key=SECRET)

    with pytest.raises(AppStreamError, match="not authorized to perform: sts:AssumeRole") as caught:
        AppStreamAPI(saved_target("partner", emulator), ClientCache()).list_stacks()
    assert caught.value.kind == ErrorKind.ACCESS_DENIED


def test_edit_forgets_temporary_credentials(repository, emulator, codes):
    repository.save(SavedCredentials("mfa", ACCESS_KEY_ID, mfa_serial=MFA_SERIAL), secret_access_key=SECRET)
    get_caller_identity(saved_target("mfa", emulator))
    repository.save(SavedCredentials("mfa", ACCESS_KEY_ID, mfa_serial=MFA_SERIAL), secret_access_key="rotated", original_name="mfa")
    get_caller_identity(saved_target("mfa", emulator))
    assert len(codes.requests) == 2


# AWS profiles with MFA -----------------------------------------------------------------------


def write_aws_files(tmp_path, config: str, credentials: str = "") -> None:
    (tmp_path / "aws" / "config").write_text(config)
    (tmp_path / "aws" / "credentials").write_text(credentials)


def test_profile_mfa_uses_code_provider(tmp_path, emulator, codes, monkeypatch):
    write_aws_files(
        tmp_path,
        "[profile base]\nregion = us-east-1\n\n"
        f"[profile admin]\nrole_arn = {ADMIN_ROLE}\nsource_profile = base\nmfa_serial = {MFA_SERIAL}\nrole_session_name = bob\n",
        f"[base]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET}\n",
    )

    def terminal_prompt(*args, **kwargs):
        raise AssertionError("botocore prompted on the terminal")

    monkeypatch.setattr(getpass, "getpass", terminal_prompt)
    target = Target(CredentialSource(KIND_PROFILE, "admin"), "us-east-1", emulator.endpoint_url)

    identity = get_caller_identity(target)
    assert identity.arn == "arn:aws:sts::123456789012:assumed-role/AppStreamLauncherAdmin/bob"
    assert [request.source_label for request in codes.requests] == ["profile 'admin'"]
    assert codes.requests[0].serial_number == MFA_SERIAL
    # AssumeRole went to the emulator, not to AWS.
    assert count(emulator, "AssumeRole") == 1


# SSO profiles --------------------------------------------------------------------------------


@pytest.fixture
def sso_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".aws" / "sso" / "cache").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    write_aws_files(
        tmp_path,
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n\n"
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n"
        "[profile legacy]\nsso_start_url = https://legacy.awsapps.com/start\nsso_region = us-east-1\n"
        "sso_account_id = 123456789012\nsso_role_name = Admin\n\n"
        "[profile plain]\nregion = us-east-1\n",
    )
    return home / ".aws" / "sso" / "cache"


def write_token(cache_dir, key: str, **fields) -> None:
    name = hashlib.sha1(key.encode()).hexdigest() + ".json"
    (cache_dir / name).write_text(json.dumps({"accessToken": "token-value", **fields}))


def iso(delta: datetime.timedelta) -> str:
    return (datetime.datetime.now(datetime.timezone.utc) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_sso_missing_token_names_command(sso_home):
    status = sso_status("dev")
    assert status.state == STATE_MISSING
    assert status.needs_login
    assert status.message.endswith("Run: aws sso login --profile dev")
    with pytest.raises(AppStreamError, match="aws sso login --profile dev") as caught:
        check_sso_login("dev")
    assert caught.value.kind == ErrorKind.SSO_LOGIN_REQUIRED


def test_sso_valid_then_expired(sso_home):
    write_token(sso_home, "corp", expiresAt=iso(datetime.timedelta(hours=1)))
    assert sso_status("dev").state == STATE_VALID
    assert check_sso_login("dev").needs_login is False

    write_token(sso_home, "corp", expiresAt=iso(-datetime.timedelta(minutes=5)))
    assert sso_status("dev").state == STATE_EXPIRED
    with pytest.raises(AppStreamError, match="login expired"):
        check_sso_login("dev")


def test_sso_expired_with_refresh_token_is_usable(sso_home):
    write_token(
        sso_home,
        "corp",
        expiresAt=iso(-datetime.timedelta(minutes=5)),
        refreshToken="refresh",
        clientId="client",
        clientSecret="secret",
        registrationExpiresAt=iso(datetime.timedelta(days=30)),
    )
    status = sso_status("dev")
    assert status.state == STATE_REFRESHABLE
    assert status.needs_login is False


def test_sso_legacy_profile_keyed_by_start_url(sso_home):
    assert sso_status("legacy").state == STATE_MISSING
    write_token(sso_home, "https://legacy.awsapps.com/start", expiresAt=iso(datetime.timedelta(hours=1)))
    assert sso_status("legacy").state == STATE_VALID


def test_sso_not_used_by_plain_profile(sso_home):
    assert sso_status("plain") is None
    assert check_sso_login("plain") is None
