"""`appstream-launcher --self-test` from source, in a subprocess, against a real gnome-keyring."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from launcher import self_test
from launcher.main import main

pytest_plugins = ["keyring_service"]

REPOSITORY = Path(__file__).resolve().parents[1]
CHECK_NAMES = [name for name, _ in self_test.CHECKS]
TIMEOUT_SECONDS = 120


def run_launcher(tmp_path: Path, *arguments: str, **overrides: str | None) -> subprocess.CompletedProcess[str]:
    """Run `python -m launcher ARGUMENTS` with this process's environment and `overrides` (None removes a variable)."""
    environment = dict(os.environ)
    environment.pop("PYTHON_KEYRING_BACKEND", None)
    # keyring reads keyringrc.cfg from the config folder, so an empty folder keeps a developer's choice out.
    environment["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")
    # The window writes its log file under the state folder.
    environment["XDG_STATE_HOME"] = str(tmp_path / "xdg-state")
    for name, value in overrides.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run(
        [sys.executable, "-m", "launcher", *arguments],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
    )


def result_lines(output: str) -> dict[str, str]:
    """Return each check's line, keyed by check name, from the self-test's output."""
    lines = {}
    for line in output.splitlines():
        status, _, rest = line.partition(" ")
        if status in ("PASS", "FAIL"):
            name, _, _ = rest.partition(":")
            lines[name] = line
    return lines


def test_self_test_passes_from_source(tmp_path, keyring_backend):
    # Without QT_QPA_PLATFORM and DISPLAY the self-test must pick the offscreen platform itself.
    result = run_launcher(tmp_path, "--self-test", QT_QPA_PLATFORM=None, DISPLAY=None, WAYLAND_DISPLAY=None)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result_lines(result.stdout)
    assert sorted(lines) == sorted(CHECK_NAMES)
    for name in CHECK_NAMES:
        assert lines[name].startswith(f"PASS {name}: "), lines[name]
    assert "from source" in result.stdout.splitlines()[0]
    assert result.stdout.rstrip().endswith(f"Self-test passed: all {len(CHECK_NAMES)} checks.")


def test_self_test_reports_details(tmp_path, keyring_backend):
    result = run_launcher(tmp_path, "--self-test")

    lines = result_lines(result.stdout)
    assert "keyring.backends.SecretService.Keyring" in lines["keyring"]
    assert "platform offscreen" in lines["qt-platform"]
    assert "xcb" in lines["qt-platform"]
    assert "appstream, sts, sso, sso-oidc" in lines["botocore-data"]
    assert "sample_scenario.json with 26 stacks" in lines["resources"]
    assert "streaming URL for" in lines["emulator"]
    # The streaming URL is a bearer token and must not be printed.
    assert "http" not in lines["emulator"]


@pytest.mark.parametrize(
    ("backend", "expected"),
    [
        ("keyring.backends.fail.Keyring", "keyring.backends.fail.Keyring"),
        ("keyring.backends.null.Keyring", "keyring.backends.null.Keyring"),
    ],
)
def test_self_test_fails_on_fallback_keyring(tmp_path, keyring_backend, backend, expected):
    result = run_launcher(tmp_path, "--self-test", PYTHON_KEYRING_BACKEND=backend)

    assert result.returncode == 1, result.stdout + result.stderr
    lines = result_lines(result.stdout)
    assert lines["keyring"].startswith("FAIL keyring: ")
    assert expected in lines["keyring"]
    for name in CHECK_NAMES:
        if name != "keyring":
            assert lines[name].startswith(f"PASS {name}: "), lines[name]
    assert "Self-test failed: 1 of" in result.stdout


def test_self_test_with_command_is_usage_error(capsys):
    status = main(["--self-test", "stacks"])

    assert status == 2
    assert "--self-test takes no command" in capsys.readouterr().err


def test_help_lists_self_test(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])

    assert exit_info.value.code == 0
    assert "--self-test" in capsys.readouterr().out


def test_failing_check_prints_fail_line(monkeypatch):
    def broken() -> str:
        raise OSError("disk on fire")

    def explained() -> str:
        raise self_test.CheckFailed("the plugin is missing")

    monkeypatch.setattr(
        self_test, "CHECKS", [("ok", lambda: "fine"), ("broken", broken), ("explained", explained)]
    )
    output = io.StringIO()

    status = self_test.run_self_test(output)

    lines = output.getvalue().splitlines()
    assert status == 1
    assert "PASS ok: fine" in lines
    assert "FAIL broken: OSError: disk on fire" in lines
    assert "FAIL explained: the plugin is missing" in lines
    assert lines[-1] == "Self-test failed: 2 of 3 checks failed."


def test_passing_checks_exit_zero(monkeypatch):
    monkeypatch.setattr(self_test, "CHECKS", [("one", lambda: "a"), ("two", lambda: "b")])
    output = io.StringIO()

    status = self_test.run_self_test(output)

    assert status == 0
    assert output.getvalue().splitlines()[-1] == "Self-test passed: all 2 checks."


def test_plugin_name():
    assert self_test._plugin_name("libqxcb.so") == "xcb"
    assert self_test._plugin_name("qwindows.dll") == "windows"
    assert self_test._plugin_name("libqcocoa.dylib") == "cocoa"


def test_window_exits_after_delay(tmp_path):
    result = run_launcher(
        tmp_path, "--demo", APPSTREAM_LAUNCHER_EXIT_AFTER_MS="500", QT_QPA_PLATFORM="offscreen"
    )

    assert result.returncode == 0, result.stderr
    assert "Window shown for 500 ms: AppStream Launcher" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("value", ["abc", "0", "-5"])
def test_window_exit_rejects_invalid_delay(tmp_path, value):
    result = run_launcher(tmp_path, "--demo", APPSTREAM_LAUNCHER_EXIT_AFTER_MS=value, QT_QPA_PLATFORM="offscreen")

    assert result.returncode == 2
    assert f"invalid APPSTREAM_LAUNCHER_EXIT_AFTER_MS='{value}'" in result.stderr
