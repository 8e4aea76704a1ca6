import json

import pytest

from launcher.settings import Settings, SettingsStore


def test_settings_round_trip(tmp_path):
    store = SettingsStore(tmp_path / "settings.json")
    store.save(Settings(stack="s1", fleet="f1", user_id="u1", validity_seconds=3600, source_regions={"default": "eu-west-1"}))
    loaded = store.load()
    assert (loaded.stack, loaded.fleet, loaded.user_id, loaded.validity_seconds) == ("s1", "f1", "u1", 3600)
    assert loaded.source_regions == {"default": "eu-west-1"}


def test_settings_missing_file_gives_defaults(tmp_path):
    assert SettingsStore(tmp_path / "none.json").load() == Settings()


def test_settings_corrupt_file_moved_aside(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("{not json", encoding="utf-8")
    store = SettingsStore(path)
    assert store.load() == Settings()
    assert not path.exists()
    assert len(list(tmp_path.glob("settings.json.corrupt-*"))) == 1


def test_settings_corrupt_file_sets_warning(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("[1, 2]", encoding="utf-8")
    store = SettingsStore(path)
    store.load()
    assert "moved to" in store.warning


def test_settings_wrong_types_fall_back_per_field(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"stack": 5, "fleet": "f1", "validity_seconds": "x", "open_after_generate": 1}), encoding="utf-8")
    loaded = SettingsStore(path).load()
    assert (loaded.stack, loaded.fleet, loaded.validity_seconds, loaded.open_after_generate) == ("", "f1", 300, False)


def test_settings_save_leaves_no_temporary_files(tmp_path):
    folder = tmp_path / "settings-folder"
    store = SettingsStore(folder / "settings.json")
    store.save(Settings())
    store.save(Settings(stack="again"))
    assert [item.name for item in folder.iterdir()] == ["settings.json"]


def test_settings_failed_save_keeps_old_file(tmp_path, monkeypatch):
    store = SettingsStore(tmp_path / "settings.json")
    store.save(Settings(stack="old"))

    def broken_replace(*args):
        raise OSError("disk full")

    monkeypatch.setattr("launcher.settings.os.replace", broken_replace)
    with pytest.raises(OSError):
        store.save(Settings(stack="new"))
    monkeypatch.undo()
    assert store.load().stack == "old"


def test_settings_drop_mistyped_entries(tmp_path):
    path = tmp_path / "settings.json"
    data = {"source_regions": {"default": 5, "profile:lab": "eu-west-1"}, "recent_launches": [1, {"stack": "s"}]}
    path.write_text(json.dumps(data), encoding="utf-8")
    loaded = SettingsStore(path).load()
    assert loaded.source_regions == {"profile:lab": "eu-west-1"}
    assert loaded.recent_launches == [{"stack": "s"}]


def test_settings_file_with_byte_order_mark_loads(tmp_path):
    path = tmp_path / "settings.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"region": "eu-west-1"}')

    assert SettingsStore(path).load().region == "eu-west-1"


def test_settings_concurrent_updates_keep_every_change(tmp_path):
    import threading

    path = tmp_path / "settings.json"
    writers, updates = 6, 15

    def write(writer: int) -> None:
        store = SettingsStore(path)
        for number in range(updates):
            key = f"profile:w{writer}-{number}"
            store.update(lambda settings: settings.source_regions.__setitem__(key, "us-east-1"))

    threads = [threading.Thread(target=write, args=(writer,)) for writer in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(SettingsStore(path).load().source_regions) == writers * updates


def test_settings_update_returns_saved_settings(tmp_path):
    store = SettingsStore(tmp_path / "settings.json")

    updated = store.update(lambda settings: setattr(settings, "stack", "office-hq"))

    assert updated == SettingsStore(tmp_path / "settings.json").load()
