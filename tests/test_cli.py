"""The command line: output formats and exit codes, against the emulator."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

import pytest

from launcher import __version__
from launcher.main import main


@pytest.fixture
def cli_env(emulator, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_APPSTREAM", emulator.endpoint_url)
    return emulator


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


URL_ARGS = ("url", "--stack", "office-hq", "--fleet", "office-always-on", "--user-id", "test-user")


def test_stacks_text_lists_every_stack(cli_env, capsys):
    status, out, _ = run(capsys, "stacks")
    assert status == 0
    assert len(out.splitlines()) == 26


def test_stacks_json_has_name_and_display_name(cli_env, capsys):
    _, out, _ = run(capsys, "stacks", "--output", "json")
    records = json.loads(out)
    assert all({"Name", "DisplayName"} <= set(record) for record in records)


def test_fleets_json_has_state_type_and_view(cli_env, capsys):
    _, out, _ = run(capsys, "fleets", "--stack", "engineering-cad", "--output", "json")
    record = json.loads(out)[0]
    assert (record["Name"], record["State"], record["FleetType"], record["StreamView"]) == (
        "engineering-cad",
        "RUNNING",
        "ALWAYS_ON",
        "DESKTOP",
    )


def test_fleets_of_stack_without_fleets_prints_nothing(cli_env, capsys):
    status, out, _ = run(capsys, "fleets", "--stack", "sandbox-unassigned")
    assert (status, out) == (0, "")


def test_applications_json_lists_desktop_first(cli_env, capsys):
    _, out, _ = run(capsys, "applications", "--stack", "engineering-cad", "--fleet", "engineering-cad", "--output", "json")
    assert json.loads(out)[0] == {"Name": "Desktop", "DisplayName": "Desktop"}


def test_applications_unknown_fleet_exits_1(cli_env, capsys):
    status, _, err = run(capsys, "applications", "--stack", "office-hq", "--fleet", "data-science")
    assert status == 1
    assert "office-always-on" in err


def test_url_text_prints_url(cli_env, capsys):
    status, out, _ = run(capsys, *URL_ARGS)
    assert status == 0
    assert out.strip().startswith(f"{cli_env.endpoint_url}/authenticate?parameters=")


def test_url_json_has_url_and_iso_expiry(cli_env, capsys):
    _, out, _ = run(capsys, *URL_ARGS, "--validity", "600", "--output", "json")
    record = json.loads(out)
    assert set(record) == {"StreamingURL", "Expires"}
    assert datetime.fromisoformat(record["Expires"]).tzinfo is not None


def test_url_sends_application_and_context(cli_env, capsys):
    status, _, _ = run(capsys, *URL_ARGS, "--application", "excel", "--session-context", "lab=1")
    assert status == 0


def test_url_open_uses_browser(cli_env, capsys, monkeypatch):
    opened = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    _, out, _ = run(capsys, *URL_ARGS, "--open")
    assert opened == [out.strip()]


@pytest.mark.parametrize(
    "extra",
    [
        ("--validity", "0"),
        ("--validity", "604801"),
        ("--validity", "ten"),
        ("--session-context", ""),
    ],
)
def test_url_invalid_input_exits_2_without_calls(cli_env, capsys, extra):
    status, _, err = run(capsys, *URL_ARGS, *extra)
    assert status == 2
    assert cli_env.calls == []


def test_url_invalid_user_id_names_value(cli_env, capsys):
    status, _, err = run(capsys, "url", "--stack", "office-hq", "--fleet", "office-always-on", "--user-id", "a b")
    assert status == 2
    assert "'a b'" in err


def test_url_missing_flags_exits_2(cli_env, capsys):
    status, _, err = run(capsys, "url", "--stack", "office-hq")
    assert status == 2
    assert "--fleet" in err


def test_error_is_one_line_without_traceback(cli_env, capsys):
    _, _, err = run(capsys, *URL_ARGS[:-1], "x")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_stopped_fleet_exits_1(cli_env, capsys):
    status, _, err = run(capsys, "url", "--stack", "training-classroom", "--fleet", "training-lab", "--user-id", "test-user")
    assert status == 1
    assert "STOPPED" in err


def test_access_denied_exits_1(cli_env, capsys):
    cli_env.faults.deny("DescribeStacks")
    status, _, err = run(capsys, "stacks")
    assert status == 1
    assert "appstream:DescribeStacks" in err


def test_unreachable_endpoint_named(cli_env, capsys):
    status, _, err = run(capsys, "--endpoint-url", "http://127.0.0.1:9", "stacks")
    assert status == 1
    assert "http://127.0.0.1:9" in err


def test_global_options_after_command(cli_env, capsys, monkeypatch):
    monkeypatch.delenv("AWS_REGION")
    status, out, _ = run(capsys, "stacks", "--region", "us-east-1")
    assert status == 0


def test_missing_region_exits_2(cli_env, capsys, monkeypatch):
    monkeypatch.delenv("AWS_REGION")
    status, _, err = run(capsys, "stacks")
    assert status == 2
    assert "--region" in err


def test_region_from_profile(cli_env, capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("AWS_REGION")
    config = tmp_path / "aws" / "config"
    config.write_text("[profile lab]\nregion = us-east-1\n", encoding="utf-8")
    credentials = tmp_path / "aws" / "credentials"
    credentials.write_text("[lab]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n", encoding="utf-8")
    status, _, _ = run(capsys, "--profile", "lab", "stacks")
    assert status == 0


def test_unknown_profile_exits_2(cli_env, capsys):
    status, _, err = run(capsys, "--profile", "missing-profile", "stacks")
    assert status == 2
    assert "missing-profile" in err


def test_invalid_endpoint_url_exits_2(cli_env, capsys):
    status, _, err = run(capsys, "--endpoint-url", "not-a-url", "stacks")
    assert status == 2
    assert "not-a-url" in err


def test_unknown_command_exits_2(capsys):
    status, _, _ = run(capsys, "frobnicate")
    assert status == 2


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["--version"])
    assert raised.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_python_module_entry_matches(cli_env):
    result = subprocess.run(
        [sys.executable, "-m", "launcher", "stacks", "--output", "json"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert len(json.loads(result.stdout)) == 26


def test_verbose_log_hides_streaming_token(cli_env):
    result = subprocess.run(
        [sys.executable, "-m", "launcher", "--verbose", *URL_ARGS], capture_output=True, text=True, timeout=60
    )
    token = result.stdout.strip().split("parameters=", 1)[1]
    assert "botocore" in result.stderr
    assert token not in result.stderr


@pytest.mark.parametrize("region", ["US-EAST-1", "us east 1", "useast1"])
def test_malformed_region_exits_2(cli_env, capsys, region):
    status, _, err = run(capsys, "--region", region, "stacks")
    assert status == 2
    assert cli_env.calls == []


def test_output_before_command_is_accepted(cli_env, capsys):
    _, out, _ = run(capsys, "--output", "json", "stacks")

    assert isinstance(json.loads(out), list)


def test_output_after_command_wins_over_default(cli_env, capsys):
    _, out, _ = run(capsys, "--output", "text", "stacks", "--output", "json")

    assert isinstance(json.loads(out), list)


def test_output_before_credentials_list_is_accepted(cli_env, capsys):
    _, out, _ = run(capsys, "--output", "json", "credentials", "list")

    assert json.loads(out) == []


def test_unknown_profile_named_before_region(cli_env, capsys, monkeypatch):
    monkeypatch.delenv("AWS_REGION")

    _, _, err = run(capsys, "--profile", "missing-profile", "stacks")

    assert "The config profile (missing-profile) could not be found" in err
