"""The main window's saved-credentials wiring: the Manage button, the menu and the source list."""

from __future__ import annotations

import pytest

from launcher.credentials.repository import CredentialsRepository, SavedCredentials
from launcher.settings import SettingsStore, config_dir
from launcher.ui.credentials_dialog import CredentialsDialog
from launcher.ui.main_window import MainWindow

pytest_plugins = ["keyring_service"]

WAIT_MS = 15000
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


pytestmark = pytest.mark.usefixtures("no_worker_left_running")


@pytest.fixture
def window(window_factory, emulator, keyring_backend):
    return window_factory(endpoint_url=emulator.endpoint_url)


def open_dialog(qtbot, window: MainWindow) -> CredentialsDialog:
    window.manage_credentials_button.click()
    qtbot.waitUntil(lambda: window.findChild(CredentialsDialog) is not None, timeout=WAIT_MS)
    return window.findChild(CredentialsDialog)


def source_keys(window: MainWindow) -> list[str]:
    combo = window.credential_combo
    return [combo.itemData(index) for index in range(combo.count())]


def test_manage_button_opens_dialog(qtbot, window):
    dialog = open_dialog(qtbot, window)
    assert dialog.isVisible()
    dialog.close()


def test_menu_action_opens_dialog(qtbot, window):
    window.credentials_action.trigger()
    qtbot.waitUntil(lambda: window.findChild(CredentialsDialog) is not None, timeout=WAIT_MS)
    window.findChild(CredentialsDialog).close()


def test_saved_entry_joins_source_list(qtbot, window):
    dialog = open_dialog(qtbot, window)
    dialog.name_edit.setText("lab-account")
    dialog.access_key_id_edit.setText("AKIAIOSFODNN7EXAMPLE")
    dialog.secret_access_key_edit.setText(SECRET)
    with qtbot.waitSignal(dialog.credentialsChanged, timeout=WAIT_MS):
        dialog.save_button.click()
    qtbot.waitUntil(lambda: "saved:lab-account" in source_keys(window), timeout=WAIT_MS)
    dialog.close()


def test_source_list_keeps_current_choice(qtbot, window):
    window.set_saved_credential_names(["one", "two"])
    assert window.current_source().key == "static:Demo (local emulator)"


def test_removed_source_falls_back_to_first(qtbot, window):
    repository = CredentialsRepository(SettingsStore(config_dir() / "settings.json"))
    repository.save(SavedCredentials(name="gone", access_key_id="AKIAIOSFODNN7EXAMPLE"), secret_access_key=SECRET)
    window.set_saved_credential_names(["gone"])
    window.credential_combo.setCurrentIndex(1)
    window.set_saved_credential_names([])
    assert window.current_source().key == "static:Demo (local emulator)"


def test_saved_source_uses_its_region(qtbot, window):
    repository = CredentialsRepository(SettingsStore(config_dir() / "settings.json"))
    entry = SavedCredentials(name="tokyo", access_key_id="AKIAIOSFODNN7EXAMPLE", region="ap-northeast-1")
    repository.save(entry, secret_access_key=SECRET)
    window.set_saved_credential_names(["tokyo"])
    window.credential_combo.setCurrentIndex(1)
    assert window.region_combo.currentText() == "ap-northeast-1"
