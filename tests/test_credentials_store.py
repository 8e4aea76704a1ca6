"""Saved credentials in a real gnome-keyring Secret Service: storage, chunks, rollback and keyring failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import SecretService as secret_service_backend
from keyring.backends import fail, null
from keyring.errors import PasswordSetError

from launcher.credentials.errors import (
    InvalidCredentialsInput,
    SavedCredentialsError,
    SecretStoreError,
    SecretStoreLockedError,
    SecretStoreUnavailableError,
)
from launcher.credentials.repository import CredentialsRepository, SavedCredentials
from launcher.credentials.secret_store import (
    MAX_ENTRY_UTF16_BYTES,
    SECRET_ACCESS_KEY,
    SESSION_TOKEN,
    SecretStore,
    split_value,
)
from launcher.settings import SettingsStore

pytest_plugins = ["keyring_service"]

ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
LONG_TOKEN = "".join(chr(ord("A") + index % 26) for index in range(4096))
SHORT_TOKEN = "FwoGZXIvYXdzEXAMPLETOKEN"


@pytest.fixture
def settings_path(tmp_path):
    return tmp_path / "config" / "settings.json"


@pytest.fixture
def repository(keyring_backend, settings_path):
    return CredentialsRepository(SettingsStore(settings_path))


def saved_names(settings_path) -> list[str]:
    if not settings_path.exists():
        return []
    return sorted(json.loads(settings_path.read_text())["saved_credentials"])


class FailingBackend(KeyringBackend):
    """Delegates to the real SecretService backend and raises PasswordSetError on the Nth set_password."""

    priority = 1

    def __init__(self, fail_on_set: int):
        super().__init__()
        self.real = secret_service_backend.Keyring()
        self.fail_on_set = fail_on_set
        self.sets = 0

    def get_password(self, service, username):
        return self.real.get_password(service, username)

    def set_password(self, service, username, password):
        self.sets += 1
        if self.sets == self.fail_on_set:
            raise PasswordSetError(f"injected failure on set number {self.sets}")
        self.real.set_password(service, username, password)

    def delete_password(self, service, username):
        self.real.delete_password(service, username)


# Chunking ------------------------------------------------------------------------------------


def test_split_value_short_is_one_chunk():
    assert split_value("abc") == ["abc"]
    assert split_value("") == [""]


def test_split_value_respects_utf16_limit():
    chunks = split_value(LONG_TOKEN)
    assert "".join(chunks) == LONG_TOKEN
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(chunk.encode("utf-16-le")) <= MAX_ENTRY_UTF16_BYTES


def test_split_value_keeps_surrogate_pairs_whole():
    value = "\U0001F511" * 1500  # 4 UTF-16 bytes each
    chunks = split_value(value, max_utf16_bytes=10)
    assert "".join(chunks) == value
    for chunk in chunks:
        assert len(chunk.encode("utf-16-le")) <= 10
        chunk.encode("utf-16-le", errors="strict")


# Save, load, rename, remove ------------------------------------------------------------------


def test_save_and_load_round_trip(repository, keyring_backend, settings_path):
    entry = SavedCredentials("prod", ACCESS_KEY_ID, region="eu-west-1", mfa_serial="arn:aws:iam::123456789012:mfa/alice")
    repository.save(entry, secret_access_key=SECRET)

    secrets = repository.load_secrets("prod")
    assert secrets.secret_access_key == SECRET
    assert secrets.session_token is None
    assert repository.get("prod").region == "eu-west-1"
    assert keyring_backend.usernames() == ["prod/secret_access_key"]
    assert keyring_backend.secret("prod/secret_access_key") == SECRET
    assert SECRET not in settings_path.read_text()
    stored = json.loads(settings_path.read_text())["saved_credentials"]["prod"]
    assert stored["access_key_id"] == ACCESS_KEY_ID
    assert stored["has_session_token"] is False


def test_long_token_is_split_and_joined(repository, keyring_backend, settings_path):
    repository.save(SavedCredentials("temp", ACCESS_KEY_ID), secret_access_key=SECRET, session_token=LONG_TOKEN)

    assert repository.load_secrets("temp").session_token == LONG_TOKEN
    usernames = keyring_backend.usernames()
    chunk_count = len(split_value(LONG_TOKEN))
    assert chunk_count >= 4
    expected = ["temp/secret_access_key"] + [f"temp/session_token#{i}" for i in range(chunk_count)] + ["temp/session_token#count"]
    assert usernames == sorted(expected)
    for username in usernames:
        assert len(keyring_backend.secret(username).encode("utf-16-le")) <= MAX_ENTRY_UTF16_BYTES
    assert LONG_TOKEN[:200] not in settings_path.read_text()


def test_shorter_token_deletes_stale_chunks(repository, keyring_backend):
    repository.save(SavedCredentials("temp", ACCESS_KEY_ID), secret_access_key=SECRET, session_token=LONG_TOKEN)
    repository.save(SavedCredentials("temp", ACCESS_KEY_ID), session_token=SHORT_TOKEN, original_name="temp")

    assert keyring_backend.usernames() == ["temp/secret_access_key", "temp/session_token"]
    assert repository.load_secrets("temp").session_token == SHORT_TOKEN
    assert repository.load_secrets("temp").secret_access_key == SECRET


def test_edit_without_secret_keeps_stored_secrets(repository):
    repository.save(SavedCredentials("prod", ACCESS_KEY_ID), secret_access_key=SECRET, session_token=SHORT_TOKEN)
    repository.save(SavedCredentials("prod", "AKIAI44QH8DHBEXAMPLE", region="us-west-2"), original_name="prod")

    secrets = repository.load_secrets("prod")
    assert secrets.secret_access_key == SECRET
    assert secrets.session_token == SHORT_TOKEN
    assert repository.get("prod").access_key_id == "AKIAI44QH8DHBEXAMPLE"
    assert repository.get("prod").has_session_token is True


def test_edit_can_delete_session_token(repository, keyring_backend):
    repository.save(SavedCredentials("prod", ACCESS_KEY_ID), secret_access_key=SECRET, session_token=LONG_TOKEN)
    repository.save(SavedCredentials("prod", ACCESS_KEY_ID), original_name="prod", clear_session_token=True)

    assert repository.load_secrets("prod").session_token is None
    assert repository.get("prod").has_session_token is False
    assert keyring_backend.usernames() == ["prod/secret_access_key"]


def test_rename_moves_every_entry(repository, keyring_backend, settings_path):
    repository.save(SavedCredentials("old", ACCESS_KEY_ID), secret_access_key=SECRET, session_token=LONG_TOKEN)
    repository.rename("old", "new name")

    assert saved_names(settings_path) == ["new name"]
    assert all(username.startswith("new name/") for username in keyring_backend.usernames())
    secrets = repository.load_secrets("new name")
    assert secrets.secret_access_key == SECRET
    assert secrets.session_token == LONG_TOKEN


def test_rename_to_existing_name_rejected(repository):
    repository.save(SavedCredentials("a", ACCESS_KEY_ID), secret_access_key=SECRET)
    repository.save(SavedCredentials("b", ACCESS_KEY_ID), secret_access_key=SECRET)
    with pytest.raises(SavedCredentialsError, match="already exist"):
        repository.rename("a", "b")
    assert repository.names() == ["a", "b"]


def test_name_differing_only_in_case_rejected(repository):
    repository.save(SavedCredentials("Lab", ACCESS_KEY_ID), secret_access_key=SECRET)

    with pytest.raises(SavedCredentialsError, match="differ in more than letter case"):
        repository.save(SavedCredentials("lab", ACCESS_KEY_ID), secret_access_key=SECRET)


def test_rename_changing_only_case_allowed(repository):
    repository.save(SavedCredentials("lab", ACCESS_KEY_ID), secret_access_key=SECRET)

    repository.rename("lab", "Lab")

    assert repository.names() == ["Lab"]


def test_remove_deletes_every_entry(repository, keyring_backend, settings_path):
    repository.save(SavedCredentials("temp", ACCESS_KEY_ID), secret_access_key=SECRET, session_token=LONG_TOKEN)
    repository.save(SavedCredentials("other", ACCESS_KEY_ID), secret_access_key="other-secret")
    repository.remove("temp")

    assert saved_names(settings_path) == ["other"]
    assert keyring_backend.usernames() == ["other/secret_access_key"]
    assert keyring.get_password("appstream-launcher", "temp/session_token#0") is None
    assert keyring.get_password("appstream-launcher", "temp/session_token#count") is None


def test_remove_cleans_orphaned_chunks(repository, keyring_backend):
    # Chunks a killed process left behind, with no count entry and no settings entry.
    for index in range(3):
        keyring.set_password("appstream-launcher", f"ghost/session_token#{index}", "x")
    repository.remove("ghost")
    assert keyring_backend.usernames() == []


def test_remove_unknown_name_fails(repository):
    with pytest.raises(SavedCredentialsError, match="No saved credentials are named 'nope'"):
        repository.remove("nope")


def test_new_entry_requires_secret(repository, keyring_backend, settings_path):
    with pytest.raises(InvalidCredentialsInput) as caught:
        repository.save(SavedCredentials("prod", ACCESS_KEY_ID))
    assert caught.value.field == "secret_access_key"
    assert keyring_backend.usernames() == []
    assert saved_names(settings_path) == []


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (SavedCredentials("bad/name", ACCESS_KEY_ID), "name"),
        (SavedCredentials("prod", "short"), "access_key_id"),
        (SavedCredentials("prod", ACCESS_KEY_ID, region="Mars"), "region"),
        (SavedCredentials("prod", ACCESS_KEY_ID, role_arn="arn:aws:iam::1:role/x"), "role_arn"),
        (SavedCredentials("prod", ACCESS_KEY_ID, external_id="ext-1"), "external_id"),
        (SavedCredentials("prod", ACCESS_KEY_ID, mfa_serial="short"), "mfa_serial"),
    ],
)
def test_invalid_fields_rejected(repository, keyring_backend, entry, field):
    with pytest.raises(InvalidCredentialsInput) as caught:
        repository.save(entry, secret_access_key=SECRET)
    assert caught.value.field == field
    assert keyring_backend.usernames() == []


def test_mfa_with_session_token_rejected(repository, keyring_backend):
    entry = SavedCredentials("prod", ACCESS_KEY_ID, mfa_serial="arn:aws:iam::123456789012:mfa/alice")
    with pytest.raises(InvalidCredentialsInput, match="GetSessionToken"):
        repository.save(entry, secret_access_key=SECRET, session_token=SHORT_TOKEN)
    assert keyring_backend.usernames() == []


def test_repr_hides_secrets(repository):
    repository.save(SavedCredentials("prod", ACCESS_KEY_ID), secret_access_key=SECRET, session_token=SHORT_TOKEN)
    text = repr(repository.load_secrets("prod"))
    assert SECRET not in text
    assert SHORT_TOKEN not in text


def test_second_process_reads_secrets(repository, settings_path):
    repository.save(SavedCredentials("shared", ACCESS_KEY_ID), secret_access_key=SECRET, session_token=LONG_TOKEN)
    script = (
        "import sys\n"
        "from launcher.credentials.repository import CredentialsRepository\n"
        "from launcher.settings import SettingsStore\n"
        "secrets = CredentialsRepository(SettingsStore(__import__('pathlib').Path(sys.argv[1]))).load_secrets('shared')\n"
        "print(len(secrets.secret_access_key), len(secrets.session_token))\n"
        "print(secrets.secret_access_key == sys.argv[2], secrets.session_token.startswith('ABCDEFG'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(settings_path), SECRET],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(len(SECRET)), str(len(LONG_TOKEN)), "True", "True"]


# Failures leave nothing half-written ---------------------------------------------------------


@pytest.mark.parametrize("fail_on_set", range(1, 8))
def test_failed_new_save_leaves_nothing(keyring_backend, settings_path, fail_on_set):
    backend = FailingBackend(fail_on_set)
    keyring.set_keyring(backend)
    repository = CredentialsRepository(SettingsStore(settings_path))

    with pytest.raises(SecretStoreError, match="injected failure"):
        repository.save(SavedCredentials("temp", ACCESS_KEY_ID), secret_access_key=SECRET, session_token=LONG_TOKEN)

    assert backend.sets >= fail_on_set
    assert keyring_backend.usernames() == []
    assert saved_names(settings_path) == []


@pytest.mark.parametrize("fail_on_set", [1, 3, 6])
def test_failed_edit_restores_previous_secrets(keyring_backend, settings_path, fail_on_set):
    repository = CredentialsRepository(SettingsStore(settings_path))
    repository.save(SavedCredentials("prod", ACCESS_KEY_ID, region="eu-west-1"), secret_access_key=SECRET, session_token=SHORT_TOKEN)
    before_entries = keyring_backend.usernames()
    before_settings = settings_path.read_text()

    keyring.set_keyring(FailingBackend(fail_on_set))
    with pytest.raises(SecretStoreError):
        repository.save(
            SavedCredentials("prod", ACCESS_KEY_ID, region="us-west-2"),
            secret_access_key="new-secret",
            session_token=LONG_TOKEN,
            original_name="prod",
        )

    keyring.set_keyring(secret_service_backend.Keyring())
    assert keyring_backend.usernames() == before_entries
    assert settings_path.read_text() == before_settings
    secrets = repository.load_secrets("prod")
    assert secrets.secret_access_key == SECRET
    assert secrets.session_token == SHORT_TOKEN


def test_failed_rename_keeps_old_name(keyring_backend, settings_path):
    repository = CredentialsRepository(SettingsStore(settings_path))
    repository.save(SavedCredentials("old", ACCESS_KEY_ID), secret_access_key=SECRET)
    keyring.set_keyring(FailingBackend(1))

    with pytest.raises(SecretStoreError):
        repository.rename("old", "new")

    keyring.set_keyring(secret_service_backend.Keyring())
    assert saved_names(settings_path) == ["old"]
    assert keyring_backend.usernames() == ["old/secret_access_key"]


def test_settings_write_failure_rolls_back_keyring(keyring_backend, tmp_path):
    # The settings folder cannot be created where a file is, so the settings write fails for real.
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    settings_path = blocker / "settings.json"
    repository = CredentialsRepository(SettingsStore(settings_path))

    with pytest.raises(SavedCredentialsError, match="Cannot write the settings file"):
        repository.save(SavedCredentials("prod", ACCESS_KEY_ID), secret_access_key=SECRET, session_token=LONG_TOKEN)
    assert keyring_backend.usernames() == []


# Keyring unavailable, locked or insecure ------------------------------------------------------


def test_missing_backend_gives_clear_error(keyring_backend, settings_path):
    keyring.set_keyring(fail.Keyring())
    repository = CredentialsRepository(SettingsStore(settings_path))

    with pytest.raises(SecretStoreUnavailableError) as caught:
        repository.save(SavedCredentials("prod", ACCESS_KEY_ID), secret_access_key=SECRET)
    message = caught.value.message
    assert "gnome-keyring" in message
    assert "AWS profile" in message
    assert "Plaintext storage is never used" in message
    assert saved_names(settings_path) == []


def test_null_backend_rejected(keyring_backend, settings_path):
    keyring.set_keyring(null.Keyring())
    with pytest.raises(SecretStoreUnavailableError, match="discards every secret"):
        SecretStore().set("prod", SECRET_ACCESS_KEY, SECRET)


def test_no_key_error_from_backend_is_translated(keyring_backend):
    store = SecretStore(backend=fail.Keyring())
    with pytest.raises(SecretStoreUnavailableError):
        store.get("prod", SECRET_ACCESS_KEY)


def test_plaintext_backend_rejected(keyring_backend, tmp_path, monkeypatch):
    file_backends = pytest.importorskip("keyrings.alt.file", reason="keyrings.alt is not installed")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "plaintext-data"))
    plaintext = file_backends.PlaintextKeyring()
    keyring.set_keyring(plaintext)
    repository = CredentialsRepository(SettingsStore(tmp_path / "settings.json"))

    with pytest.raises(SecretStoreUnavailableError, match="keyrings.alt"):
        repository.save(SavedCredentials("prod", ACCESS_KEY_ID), secret_access_key=SECRET)
    assert not os.path.exists(plaintext.file_path)


def test_chainer_of_plaintext_only_rejected(keyring_backend, tmp_path, monkeypatch):
    file_backends = pytest.importorskip("keyrings.alt.file", reason="keyrings.alt is not installed")
    from keyring.backends.chainer import ChainerBackend

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "plaintext-data"))
    plaintext = file_backends.PlaintextKeyring()
    monkeypatch.setattr(ChainerBackend, "backends", [plaintext])
    keyring.set_keyring(ChainerBackend())

    with pytest.raises(SecretStoreUnavailableError, match="keyrings.alt"):
        SecretStore().set("prod", SECRET_ACCESS_KEY, SECRET)
    assert not os.path.exists(plaintext.file_path)


def test_chainer_uses_secure_member(keyring_backend, tmp_path, monkeypatch):
    file_backends = pytest.importorskip("keyrings.alt.file", reason="keyrings.alt is not installed")
    from keyring.backends.chainer import ChainerBackend

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "plaintext-data"))
    plaintext = file_backends.PlaintextKeyring()
    # The plaintext backend ranks first, as it would if it were configured with a higher priority.
    monkeypatch.setattr(ChainerBackend, "backends", [plaintext, secret_service_backend.Keyring()])
    keyring.set_keyring(ChainerBackend())

    SecretStore().set("prod", SECRET_ACCESS_KEY, SECRET)
    assert keyring_backend.secret("prod/secret_access_key") == SECRET
    assert not os.path.exists(plaintext.file_path)


def test_locked_keyring_gives_clear_error(keyring_backend, emulator):
    """Lock a keyring of its own, so the session's keyring stays unlocked for the other tests."""
    from keyring_service import environment_of, start_private_secret_service

    from launcher.appstream.api import AppStreamAPI
    from launcher.appstream.clients import ClientCache, Target
    from launcher.credentials.sources import KIND_SAVED, KIND_STATIC, CredentialSource, StaticCredentials

    with start_private_secret_service() as service, environment_of(service):
        keyring.set_keyring(secret_service_backend.Keyring())
        repository = CredentialsRepository()
        repository.save(SavedCredentials("prod", ACCESS_KEY_ID), secret_access_key=SECRET)
        service.lock()
        assert service.is_locked()

        with pytest.raises(SecretStoreLockedError) as caught:
            repository.load_secrets("prod")
        assert "locked" in caught.value.message
        assert "Unlock the keyring" in caught.value.message

        with pytest.raises(SecretStoreLockedError):
            repository.save(SavedCredentials("second", ACCESS_KEY_ID), secret_access_key=SECRET)
        assert repository.names() == ["prod"]

        # The saved source fails with the keyring message; other sources keep working.
        saved = AppStreamAPI(Target(CredentialSource(KIND_SAVED, "prod"), "us-east-1", emulator.endpoint_url), ClientCache())
        with pytest.raises(SecretStoreLockedError):
            saved.list_stacks()
        static = CredentialSource(KIND_STATIC, "demo", StaticCredentials(ACCESS_KEY_ID, "demo-secret"))
        assert AppStreamAPI(Target(static, "us-east-1", emulator.endpoint_url), ClientCache()).list_stacks()

        service.unlock()
        assert repository.load_secrets("prod").secret_access_key == SECRET


def test_check_reports_backend(keyring_backend):
    assert SecretStore().check().endswith("SecretService.Keyring")


def test_secret_store_fields_independent(keyring_backend):
    store = SecretStore()
    store.set("prod", SECRET_ACCESS_KEY, SECRET)
    store.set("prod", SESSION_TOKEN, LONG_TOKEN)
    assert store.delete("prod", SESSION_TOKEN) is True
    assert store.get("prod", SESSION_TOKEN) is None
    assert store.get("prod", SECRET_ACCESS_KEY) == SECRET
    assert store.delete("prod", SESSION_TOKEN) is False
