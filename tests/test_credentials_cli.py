"""The `credentials` command and --credentials, run as real processes against gnome-keyring and the emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest_plugins = ["keyring_service"]

ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
# Made-up secrets that are easy to find in any output or file.
SECRET = "Sk3tchySecretKey+ForTests/0123456789abcd"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKEN" + "Zm9vYmFy" * 500
MFA_SERIAL = "arn:aws:iam::123456789012:mfa/demo"
TIMEOUT_SECONDS = 120


@pytest.fixture
def cli(keyring_backend, tmp_path):
    """Run `python -m launcher ARGS` in a private HOME and config folder, with the test's Secret Service."""
    home = tmp_path / "home"
    home.mkdir()
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_") and name not in ("PYTHON_KEYRING_BACKEND",)
    }
    environment.update(
        HOME=str(home),
        APPSTREAM_LAUNCHER_CONFIG_DIR=str(tmp_path / "config"),
        AWS_CONFIG_FILE=str(tmp_path / "aws" / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws" / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    runs: list[subprocess.CompletedProcess] = []

    def run(*args: str, stdin: str = "", extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "launcher", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            env={**environment, **(extra_env or {})},
        )
        runs.append(result)
        return result

    run.runs = runs
    return run


def add_prod(cli, *extra: str, stdin: str = f"{SECRET}\n{SESSION_TOKEN}\n", extra_env: dict[str, str] | None = None):
    return cli(
        "credentials", "add", "prod", "--access-key-id", ACCESS_KEY_ID, "--region", "us-east-1", *extra,
        stdin=stdin, extra_env=extra_env,
    )


def test_add_list_test_remove(cli, keyring_backend, emulator, tmp_path):
    added = add_prod(cli)
    assert added.returncode == 0, added.stderr
    assert "Saved credentials 'prod'" in added.stdout
    assert "prod/secret_access_key" in keyring_backend.usernames()
    assert keyring_backend.secret("prod/secret_access_key") == SECRET

    listed = cli("credentials", "list", "--output", "json")
    assert listed.returncode == 0, listed.stderr
    records = json.loads(listed.stdout)
    assert records == [
        {
            "Name": "prod",
            "AccessKeyId": ACCESS_KEY_ID,
            "Region": "us-east-1",
            "MfaSerial": "",
            "RoleArn": "",
            "ExternalId": "",
            "RoleSessionName": "",
            "HasSessionToken": True,
        }
    ]

    tested = cli("credentials", "test", "prod", "--endpoint-url", emulator.endpoint_url)
    assert tested.returncode == 0, tested.stderr
    assert tested.stdout.strip() == "123456789012\tarn:aws:iam::123456789012:user/demo"

    removed = cli("credentials", "remove", "prod")
    assert removed.returncode == 0, removed.stderr
    assert keyring_backend.usernames() == []
    assert json.loads(cli("credentials", "list", "--output", "json").stdout) == []


def test_global_credentials_option(cli, emulator):
    assert add_prod(cli).returncode == 0

    stacks = cli("--credentials", "prod", "stacks", "--endpoint-url", emulator.endpoint_url)
    assert stacks.returncode == 0, stacks.stderr
    assert "office-hq" in stacks.stdout

    # The option also works after the command, as the AWS CLI's global options do.
    url = cli(
        "url", "--stack", "office-hq", "--fleet", "office-always-on", "--user-id", "alice",
        "--credentials", "prod", "--endpoint-url", emulator.endpoint_url,
    )
    assert url.returncode == 0, url.stderr
    assert url.stdout.startswith("http")


def test_secret_only_from_stdin(cli, keyring_backend):
    for run in cli.runs:
        assert SECRET not in run.args
    rejected = cli("credentials", "add", "prod", "--access-key-id", ACCESS_KEY_ID, "--secret-access-key", SECRET)
    assert rejected.returncode == 2
    assert "unrecognized arguments" in rejected.stderr
    assert keyring_backend.usernames() == []

    empty = add_prod(cli, stdin="")
    assert empty.returncode == 2
    assert "No secret access key was given" in empty.stderr

    too_many = add_prod(cli, stdin="a\nb\nc\n")
    assert too_many.returncode == 2
    assert keyring_backend.usernames() == []


def test_add_existing_needs_replace(cli, keyring_backend):
    assert add_prod(cli).returncode == 0
    again = add_prod(cli, stdin=f"{SECRET}\n")
    assert again.returncode == 2
    assert "--replace" in again.stderr

    replaced = add_prod(cli, "--replace", stdin="other-secret\n")
    assert replaced.returncode == 0, replaced.stderr
    assert keyring_backend.secret("prod/secret_access_key") == "other-secret"
    # The replacement gave no session token, so none is left.
    assert keyring_backend.usernames() == ["prod/secret_access_key"]


def test_invalid_field_rejected_before_prompt(cli, keyring_backend):
    result = cli("credentials", "add", "prod", "--access-key-id", "short", stdin=f"{SECRET}\n")
    assert result.returncode == 2
    assert "access key ID 'short' is invalid" in result.stderr
    assert keyring_backend.usernames() == []


def test_mfa_needs_code_when_not_interactive(cli, emulator):
    added = cli("credentials", "add", "mfa", "--access-key-id", ACCESS_KEY_ID, "--mfa-serial", MFA_SERIAL, stdin=f"{SECRET}\n")
    assert added.returncode == 0, added.stderr

    missing = cli("credentials", "test", "mfa", "--endpoint-url", emulator.endpoint_url)
    assert missing.returncode == 1
    assert "--mfa-code" in missing.stderr
    assert missing.stderr.count("\n") == 1

    invalid = cli("credentials", "test", "mfa", "--endpoint-url", emulator.endpoint_url, "--mfa-code", "12ab")
    assert invalid.returncode == 2
    assert "6 digits" in invalid.stderr

    tested = cli("--mfa-code", "123456", "--credentials", "mfa", "stacks", "--region", "us-east-1", "--endpoint-url", emulator.endpoint_url)
    assert tested.returncode == 0, tested.stderr
    assert "office-hq" in tested.stdout


def test_unknown_credentials_name(cli, emulator):
    result = cli("--credentials", "ghost", "stacks", "--endpoint-url", emulator.endpoint_url)
    assert result.returncode == 2
    assert "no saved credentials have that name" in result.stderr

    both = cli("--credentials", "ghost", "--profile", "dev", "stacks")
    assert both.returncode == 2
    assert "Pass only one" in both.stderr

    removed = cli("credentials", "remove", "ghost")
    assert removed.returncode == 2
    assert "No saved credentials are named 'ghost'" in removed.stderr

    tested = cli("credentials", "test", "ghost")
    assert tested.returncode == 2


def test_keyring_unavailable_is_explicit(cli, emulator):
    no_keyring = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    added = add_prod(cli, extra_env=no_keyring)
    assert added.returncode == 1
    assert "gnome-keyring" in added.stderr
    assert "Plaintext storage is never used" in added.stderr
    assert added.stderr.count("\n") == 1

    # Listing reads only the settings file, and other sources keep working.
    assert cli("credentials", "list", extra_env=no_keyring).returncode == 0
    static_keys = {**no_keyring, "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": "other"}
    stacks = cli("stacks", "--region", "us-east-1", "--endpoint-url", emulator.endpoint_url, extra_env=static_keys)
    assert stacks.returncode == 0, stacks.stderr


def test_sso_profile_without_login(cli, tmp_path):
    (tmp_path / "aws").mkdir(exist_ok=True)
    (tmp_path / "aws" / "config").write_text(
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n\n"
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"
    )
    result = cli("--profile", "dev", "stacks")
    assert result.returncode == 1
    assert "Run: aws sso login --profile dev" in result.stderr


@pytest.fixture
def verbose_run(cli, emulator, tmp_path):
    """Run every command with --verbose; return the finished runs and every file they wrote."""
    endpoint = ["--endpoint-url", emulator.endpoint_url]
    steps = [
        add_prod(cli, "--verbose"),
        cli(
            "credentials", "add", "mfa", "--access-key-id", ACCESS_KEY_ID, "--mfa-serial", MFA_SERIAL, "--region", "eu-west-1",
            "--verbose", stdin=f"{SECRET}\n",
        ),
        cli("credentials", "list", "--verbose"),
        cli("credentials", "test", "prod", "--verbose", *endpoint),
        cli("credentials", "test", "mfa", "--verbose", "--mfa-code", "123456", *endpoint),
        cli("--credentials", "prod", "--verbose", "stacks", *endpoint),
        cli("--credentials", "mfa", "--mfa-code", "123456", "--verbose", "stacks", *endpoint),
        cli(
            "--credentials", "prod", "--verbose", "url", "--stack", "office-hq", "--fleet", "office-always-on",
            "--user-id", "alice", *endpoint,
        ),
    ]
    for step in steps:
        assert step.returncode == 0, step.stderr
    assert any("DEBUG" in step.stderr for step in steps), "--verbose produced no debug log"
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert any(path.name == "settings.json" for path in written)
    return cli.runs, written


def test_secrets_absent_from_output_logs_and_files(verbose_run):
    """After a verbose run of every command, no secret is in stdout, in a file, or (the secret key) in stderr."""
    runs, written = verbose_run
    secrets = {"secret access key": SECRET, "session token": SESSION_TOKEN, "start of the session token": SESSION_TOKEN[:40]}
    for step in runs:
        for label, value in secrets.items():
            assert value not in step.stdout, f"{label} in stdout of {step.args[3:]}"
        assert SECRET not in step.stderr, f"secret access key in stderr of {step.args[3:]}"
    for path in written:
        content = path.read_bytes()
        for label, value in secrets.items():
            assert value.encode() not in content, f"{label} in {path}"


def test_session_token_absent_from_verbose_log(verbose_run):
    runs, _ = verbose_run
    for step in runs:
        assert SESSION_TOKEN[:40] not in step.stderr, f"session token in stderr of {step.args[3:]}"
