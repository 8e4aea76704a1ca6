"""Wall time of `appstream-launcher url` and `aws appstream create-streaming-url` against one emulator.

Both commands run alternately, `--runs` times each, against an emulator in a child process,
with dummy keys and no AWS configuration files. With keys in the environment, `url` signs and
sends its request without botocore (`launcher/appstream/direct.py`); `launcher_botocore` is the
same command with the endpoint given through AWS_ENDPOINT_URL_APPSTREAM, which the direct path
leaves to botocore, so it shows the time of the botocore path that roles, SSO and saved
credentials take. A bare botocore script that makes the same call is measured too, as the floor
of any command line that creates a botocore client. Prints one JSON object.

    python benchmarks/cli_speed.py --runs 15
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STACK = "office-hq"
FLEET = "office-always-on"
USER_ID = "bench-user"
REGION = "us-east-1"
RUN_TIMEOUT_SECONDS = 60
BOTOCORE_FLOOR = """
import os, sys
import botocore.session
client = botocore.session.get_session().create_client(
    "appstream", region_name=sys.argv[2], endpoint_url=sys.argv[1]
)
print(client.create_streaming_url(StackName=sys.argv[3], FleetName=sys.argv[4], UserId=sys.argv[5])["StreamingURL"])
"""


def find_aws_cli() -> str | None:
    """Return the AWS CLI next to this Python (a virtual environment's bin), else the one on PATH."""
    beside = Path(sys.executable).parent / "aws"
    return str(beside) if beside.exists() else shutil.which("aws")


def find_launcher() -> list[str]:
    beside = Path(sys.executable).parent / "appstream-launcher"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "launcher"]


def isolated_environment(config_dir: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    environment.update(
        AWS_ACCESS_KEY_ID="AKIABENCHMARK0000000",
        AWS_SECRET_ACCESS_KEY="benchmark-secret",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        APPSTREAM_LAUNCHER_CONFIG_DIR=config_dir,
    )
    return environment


def start_emulator_process(environment: dict[str, str]) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "launcher.emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment,
    )
    endpoint_url = process.stdout.readline().strip()
    if not endpoint_url.startswith("http://127.0.0.1:"):
        process.kill()
        raise RuntimeError(f"the emulator printed {endpoint_url!r} instead of its URL")
    return process, endpoint_url


def time_command(command: list[str], environment: dict[str, str]) -> float:
    """Run the command once and return its wall time in seconds; raise when it fails."""
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, env=environment)
    elapsed = time.perf_counter() - started
    if result.returncode != 0 or "authenticate" not in result.stdout:
        raise RuntimeError(f"{command[0]} failed with status {result.returncode}: {result.stderr.strip()[-300:]}")
    return elapsed


def aws_cli_version(aws: str, environment: dict[str, str]) -> str:
    result = subprocess.run([aws, "--version"], capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, env=environment)
    return (result.stdout or result.stderr).strip()


def measure(runs: int) -> dict:
    aws = find_aws_cli()
    if aws is None:
        return {"error": "the AWS CLI (aws) is not installed"}
    with tempfile.TemporaryDirectory(prefix="launcher-bench-") as config_dir:
        environment = isolated_environment(config_dir)
        emulator, endpoint_url = start_emulator_process(environment)
        try:
            commands = {
                "launcher": [
                    *find_launcher(),
                    "--region", REGION, "--endpoint-url", endpoint_url,
                    "url", "--stack", STACK, "--fleet", FLEET, "--user-id", USER_ID,
                ],
                "launcher_botocore": [
                    *find_launcher(),
                    "--region", REGION,
                    "url", "--stack", STACK, "--fleet", FLEET, "--user-id", USER_ID,
                ],
                "aws": [
                    aws, "appstream", "create-streaming-url",
                    "--region", REGION, "--endpoint-url", endpoint_url,
                    "--stack-name", STACK, "--fleet-name", FLEET, "--user-id", USER_ID,
                ],
                "botocore_floor": [sys.executable, "-c", BOTOCORE_FLOOR, endpoint_url, REGION, STACK, FLEET, USER_ID],
                "python_startup": [sys.executable, "-c", "print('authenticate')"],
            }  # fmt: skip
            environments = {name: environment for name in commands}
            environments["launcher_botocore"] = dict(environment, AWS_ENDPOINT_URL_APPSTREAM=endpoint_url)
            seconds: dict[str, list[float]] = {name: [] for name in commands}
            # One untimed run each fills the OS file cache, so the first timed run is not an outlier.
            for name, command in commands.items():
                time_command(command, environments[name])
            for _ in range(runs):
                for name, command in commands.items():
                    seconds[name].append(time_command(command, environments[name]))
            version = aws_cli_version(aws, environment)
        finally:
            emulator.terminate()
            emulator.wait(10)
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    return {
        "runs": runs,
        "aws_cli_version": version,
        "commands": {name: " ".join(command) for name, command in commands.items()},
        "median_s": {name: round(value, 3) for name, value in medians.items()},
        "min_s": {name: round(min(values), 3) for name, values in seconds.items()},
        "max_s": {name: round(max(values), 3) for name, values in seconds.items()},
        "ratio": round(medians["launcher"] / medians["aws"], 2),
        "botocore_path_ratio": round(medians["launcher_botocore"] / medians["aws"], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each command")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.runs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
