"""Command line entry of the emulator, run as a subprocess and in process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from launcher.emulator import start_emulator
from launcher.emulator.cli import run


@pytest.fixture
def emulator_process():
    """Start ``python -m launcher.emulator --port 0 --page-size 3`` and yield it with its printed lines."""
    process = subprocess.Popen(
        [sys.executable, "-m", "launcher.emulator", "--port", "0", "--page-size", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = [process.stdout.readline().strip() for _ in range(3)]
    try:
        yield process, lines
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


def test_cli_prints_endpoint_url_first(emulator_process):
    _, lines = emulator_process
    assert lines[0].startswith("http://127.0.0.1:")


def test_cli_prints_export_hint(emulator_process):
    _, lines = emulator_process
    assert lines[1] == f"export AWS_ENDPOINT_URL_APPSTREAM={lines[0]}"
    assert lines[2] == f"export AWS_ENDPOINT_URL_STS={lines[0]}"


def test_cli_serves_and_exits_zero_on_sigterm(emulator_process):
    process, lines = emulator_process
    client = boto3.client(
        "appstream",
        region_name="us-east-1",
        endpoint_url=lines[0],
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )
    stacks = client.describe_stacks()["Stacks"]
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    assert len(stacks) == 3


def test_cli_exits_zero_on_ctrl_c(emulator_process):
    process, _ = emulator_process
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0


def test_cli_rejects_non_loopback_host(capsys):
    assert run(["--host", "192.0.2.10", "--port", "0"]) == 2
    assert "loopback" in capsys.readouterr().err


def test_cli_rejects_negative_port(capsys):
    assert run(["--port", "-1"]) == 2
    assert "--port" in capsys.readouterr().err


def test_cli_rejects_page_size_zero(capsys):
    assert run(["--page-size", "0"]) == 2
    assert "must be 1 or more" in capsys.readouterr().err


def test_cli_rejects_invalid_scenario(tmp_path: Path, capsys):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps({"Stacks": [{"Name": "s", "Fleets": ["ghost"]}], "Fleets": []}), encoding="utf-8")
    assert run(["--scenario", str(path), "--port", "0"]) == 2
    assert "'ghost' is not the Name of any entry in Fleets" in capsys.readouterr().err


def test_cli_port_in_use(capsys):
    with start_emulator() as emu:
        assert run(["--port", str(emu.port)]) == 1
    assert "already in use" in capsys.readouterr().err


def test_cli_help_exits_zero(capsys):
    assert run(["--help"]) == 0
    assert "--latency-ms" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("aws", path=os.path.dirname(sys.executable)) is None, reason="AWS CLI not installed")
def test_aws_cli_lists_all_stacks(tmp_path: Path):
    """The AWS CLI follows NextToken across the emulator's pages by itself."""
    aws = shutil.which("aws", path=os.path.dirname(sys.executable))
    with start_emulator(page_size=5) as emu:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "AWS_CONFIG_FILE": str(tmp_path / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "secret",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_APPSTREAM": emu.endpoint_url,
        }
        result = subprocess.run(
            [aws, "appstream", "describe-stacks", "--output", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["Stacks"]) == 26


def test_cli_error_names_the_program(capsys):
    run(["--host", "192.0.2.10", "--port", "0"])

    assert capsys.readouterr().err.startswith("appstream-launcher emulator: error: ")


def test_main_accepts_verbose_before_emulator(capsys):
    from launcher.main import main

    status = main(["--verbose", "emulator", "--host", "192.0.2.10", "--port", "0"])

    assert status == 2
    assert "loopback" in capsys.readouterr().err
