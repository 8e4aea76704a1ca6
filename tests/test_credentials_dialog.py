"""The Saved credentials dialog and the MFA dialog, with pytest-qt, gnome-keyring and the emulator."""

from __future__ import annotations

import threading

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLineEdit

from launcher.credentials import sessions
from launcher.credentials.errors import MfaCodeError
from launcher.credentials.mfa import MfaCodeRequest, get_code_provider, set_code_provider
from launcher.credentials.repository import CredentialsRepository, SavedCredentials
from launcher.ui.credentials_dialog import KEEP_SECRET_PLACEHOLDER, CredentialsDialog
from launcher.ui.mfa_dialog import GuiMfaCodeProvider, MfaDialog

pytest_plugins = ["keyring_service"]

ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLE" * 200
MFA_SERIAL = "arn:aws:iam::123456789012:mfa/demo"
WAIT_MS = 15000


@pytest.fixture(autouse=True)
def clean_state():
    sessions.forget_temporary_credentials()
    previous = get_code_provider()
    yield
    set_code_provider(previous)
    sessions.forget_temporary_credentials()


@pytest.fixture
def repository(keyring_backend):
    return CredentialsRepository()


@pytest.fixture
def dialog(qtbot, repository, emulator):
    widget = CredentialsDialog(repository, region="us-east-1", endpoint_url=emulator.endpoint_url)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.tasks.shutdown(5000)


def fill(dialog: CredentialsDialog, **fields: str) -> None:
    edits = {
        "name": dialog.name_edit,
        "access_key_id": dialog.access_key_id_edit,
        "secret_access_key": dialog.secret_access_key_edit,
        "session_token": dialog.session_token_edit,
        "mfa_serial": dialog.mfa_serial_edit,
        "role_arn": dialog.role_arn_edit,
    }
    for field, value in fields.items():
        if field == "region":
            dialog.region_combo.setEditText(value)
        else:
            edits[field].setText(value)


def save(qtbot, dialog: CredentialsDialog) -> None:
    with qtbot.waitSignal(dialog.credentialsChanged, timeout=WAIT_MS):
        dialog.save_button.click()


def test_secret_fields_are_masked(dialog):
    for edit in (dialog.secret_access_key_edit, dialog.session_token_edit):
        assert edit.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.objectName() == "credentialsDialog"


def test_add_entry(qtbot, dialog, keyring_backend, repository):
    fill(dialog, name="prod", access_key_id=ACCESS_KEY_ID, secret_access_key=SECRET, session_token=TOKEN, region="eu-west-1")
    with qtbot.waitSignal(dialog.credentialsSaved, timeout=WAIT_MS) as saved:
        save(qtbot, dialog)

    assert saved.args == ["prod"]
    assert dialog.names() == ["prod"]
    assert repository.get("prod").region == "eu-west-1"
    assert repository.load_secrets("prod").session_token == TOKEN
    assert keyring_backend.secret("prod/secret_access_key") == SECRET
    # The secrets are never put back into the form.
    assert dialog.secret_access_key_edit.text() == ""
    assert dialog.session_token_edit.text() == ""
    assert dialog.secret_access_key_edit.placeholderText() == KEEP_SECRET_PLACEHOLDER
    assert dialog.session_token_edit.placeholderText() == KEEP_SECRET_PLACEHOLDER
    assert "Saved 'prod'" in dialog.status_label.text()


def test_edit_keeps_secret(qtbot, dialog, repository, keyring_backend):
    repository.save(SavedCredentials("prod", ACCESS_KEY_ID, region="us-east-1"), secret_access_key=SECRET)
    dialog.reload()
    assert dialog.select("prod")
    assert dialog.secret_access_key_edit.text() == ""
    assert dialog.access_key_id_edit.text() == ACCESS_KEY_ID

    fill(dialog, region="us-west-2")
    save(qtbot, dialog)

    assert repository.get("prod").region == "us-west-2"
    assert keyring_backend.secret("prod/secret_access_key") == SECRET


def test_rename_entry(qtbot, dialog, repository, keyring_backend):
    repository.save(SavedCredentials("old", ACCESS_KEY_ID), secret_access_key=SECRET, session_token=TOKEN)
    dialog.reload(select="old")
    fill(dialog, name="new")
    with qtbot.waitSignal(dialog.credentialsRenamed, timeout=WAIT_MS) as renamed:
        save(qtbot, dialog)

    assert renamed.args == ["old", "new"]
    assert dialog.names() == ["new"]
    assert all(username.startswith("new/") for username in keyring_backend.usernames())
    assert repository.load_secrets("new").session_token == TOKEN


def test_remove_entry(qtbot, dialog, repository, keyring_backend, monkeypatch):
    repository.save(SavedCredentials("prod", ACCESS_KEY_ID), secret_access_key=SECRET, session_token=TOKEN)
    dialog.reload(select="prod")
    monkeypatch.setattr(dialog, "confirm_remove", lambda name: True)
    with qtbot.waitSignal(dialog.credentialsRemoved, timeout=WAIT_MS) as removed:
        dialog.remove_button.click()

    assert removed.args == ["prod"]
    assert dialog.names() == []
    assert keyring_backend.usernames() == []
    assert not dialog.remove_button.isEnabled()


def test_test_shows_identity(qtbot, dialog, repository):
    repository.save(SavedCredentials("prod", ACCESS_KEY_ID), secret_access_key=SECRET)
    dialog.reload(select="prod")
    dialog.test_button.click()

    qtbot.waitUntil(lambda: dialog.test_result_label.text().startswith("Works"), timeout=WAIT_MS)
    assert dialog.test_result_label.text() == "Works: Account 123456789012, arn:aws:iam::123456789012:user/demo"
    assert dialog.test_result_label.property("tone") == "success"


def test_test_shows_error(qtbot, dialog, repository, emulator):
    repository.save(SavedCredentials("revoked", "AKIAREVOKEDEXAMPLE12"), secret_access_key=SECRET)
    emulator.invalid_access_key_ids.add("AKIAREVOKEDEXAMPLE12")
    try:
        dialog.reload(select="revoked")
        dialog.test_button.click()
        qtbot.waitUntil(lambda: dialog.test_result_label.text().startswith("Test failed"), timeout=WAIT_MS)
    finally:
        emulator.invalid_access_key_ids.discard("AKIAREVOKEDEXAMPLE12")
    assert "did not accept the credentials" in dialog.test_result_label.text()
    assert dialog.test_result_label.property("tone") == "error"


def test_invalid_input_marks_field(qtbot, dialog, keyring_backend):
    fill(dialog, name="prod", access_key_id="short", secret_access_key=SECRET)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.access_key_id_edit.property("invalid") is True, timeout=WAIT_MS)

    assert "access key ID 'short' is invalid" in dialog.status_label.text()
    assert keyring_backend.usernames() == []
    assert dialog.save_button.isEnabled()


def test_keyring_errors_shown_inline(qtbot, keyring_backend, emulator):
    keyring.set_keyring(fail.Keyring())
    widget = CredentialsDialog(CredentialsRepository(), endpoint_url=emulator.endpoint_url)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: "gnome-keyring" in widget.status_label.text(), timeout=WAIT_MS)
    assert widget.status_label.property("tone") == "error"

    fill(widget, name="prod", access_key_id=ACCESS_KEY_ID, secret_access_key=SECRET)
    widget.status_label.clear()
    widget.save_button.click()
    qtbot.waitUntil(lambda: "Plaintext storage is never used" in widget.status_label.text(), timeout=WAIT_MS)
    assert widget.names() == []
    widget.tasks.shutdown(5000)


# MFA dialog ----------------------------------------------------------------------------------


def answer_mfa_dialog(code: str | None) -> QTimer:
    """Start a timer that types `code` into the next MFA dialog and accepts it, or cancels it for None."""
    timer = QTimer()
    timer.setInterval(20)

    def answer() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MfaDialog) and widget.isVisible():
                timer.stop()
                if code is None:
                    widget.reject()
                else:
                    widget.code_edit.setText(code)
                    widget.ok_button.click()
                return

    timer.timeout.connect(answer)
    timer.start()
    return timer


def test_mfa_dialog_accepts_only_six_digits(qtbot):
    dialog = MfaDialog(MfaCodeRequest("saved credentials 'prod'", MFA_SERIAL))
    qtbot.addWidget(dialog)
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.code_edit, "12ab34")
    assert dialog.code_edit.text() == "1234"
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.code_edit, "567")
    assert dialog.code_edit.text() == "123456"
    assert dialog.ok_button.isEnabled()
    assert dialog.code() == "123456"


def test_gui_provider_from_worker_thread(qtbot):
    provider = GuiMfaCodeProvider()
    results: dict[str, object] = {}

    def worker() -> None:
        try:
            results["code"] = provider(MfaCodeRequest("saved credentials 'prod'", MFA_SERIAL))
        except MfaCodeError as error:
            results["error"] = error

    timer = answer_mfa_dialog("246810")
    thread = threading.Thread(target=worker)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=WAIT_MS)
    timer.stop()
    assert results == {"code": "246810"}

    timer = answer_mfa_dialog(None)
    thread = threading.Thread(target=worker)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=WAIT_MS)
    timer.stop()
    assert "cancelled" in str(results["error"])


def test_dialog_test_asks_mfa_code(qtbot, dialog, repository, emulator):
    provider = GuiMfaCodeProvider(dialog)
    provider.install()
    repository.save(SavedCredentials("mfa", ACCESS_KEY_ID, mfa_serial=MFA_SERIAL), secret_access_key=SECRET)
    dialog.reload(select="mfa")
    emulator.reset_calls()

    timer = answer_mfa_dialog("135790")
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_result_label.text().startswith("Works"), timeout=WAIT_MS)
    timer.stop()
    assert emulator.calls.count("GetSessionToken") == 1
    assert "123456789012" in dialog.test_result_label.text()


def test_dialog_mnemonics_are_unique(dialog):
    from PySide6.QtWidgets import QAbstractButton, QLabel

    texts = [label.text() for label in dialog.findChildren(QLabel) if label.buddy() is not None]
    texts += [button.text() for button in dialog.findChildren(QAbstractButton)]
    letters = []
    for text in texts:
        plain = text.replace("&&", "")
        index = plain.find("&")
        if index >= 0:
            letters.append(plain[index + 1].lower())
    assert len(letters) == len(set(letters)), f"mnemonics used twice: {sorted(letters)}"
