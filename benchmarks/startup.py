"""Time from spawning the launcher to its window's first paint, over several runs.

Run directly to measure one series and print it as JSON (run.py uses this under xvfb-run):

    python benchmarks/startup.py --platform offscreen --runs 9 -- --demo
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
PROBE = BENCHMARKS / "probe_window.py"
# A run that shows no window within this time counts as failed.
RUN_TIMEOUT_SECONDS = 60


def isolated_environment(config_dir: str, platform: str) -> dict[str, str]:
    """Return an environment with its own settings directory and no AWS configuration or keys."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and key not in ("QT_QPA_PLATFORM", "APPSTREAM_LAUNCHER_CONFIG_DIR")
    }
    environment.update(
        QT_QPA_PLATFORM=platform,
        APPSTREAM_LAUNCHER_CONFIG_DIR=config_dir,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return environment


def measure_first_paint(launcher_args: list[str], runs: int, platform: str) -> dict:
    """Spawn the probe `runs` times and return the seconds from spawn to first paint of each run."""
    seconds: list[float] = []
    stacks: list[int | None] = []
    modules: dict[str, bool] = {}
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="launcher-bench-") as config_dir:
        environment = isolated_environment(config_dir, platform)
        for _ in range(runs):
            spawned_at = time.time()
            result = subprocess.run(
                [sys.executable, str(PROBE), *launcher_args],
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT_SECONDS,
                env=environment,
                cwd=BENCHMARKS.parent,
            )
            line = next((text for text in result.stdout.splitlines() if text.startswith("{")), None)
            if result.returncode != 0 or line is None:
                failures.append(f"exit status {result.returncode}: {result.stderr.strip()[-300:]}")
                continue
            report = json.loads(line)
            seconds.append(report["first_paint"] - spawned_at)
            stacks.append(report.get("stacks"))
            modules = report["modules"]
    return {
        "platform": platform,
        "args": launcher_args,
        "seconds": seconds,
        "stacks_at_first_paint": stacks,
        "modules": modules,
        "failures": failures,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", default="offscreen", help="Qt platform plugin (QT_QPA_PLATFORM)")
    parser.add_argument("--runs", type=int, default=9, help="number of runs")
    parser.add_argument("launcher_args", nargs="*", help="arguments of the launcher, after --")
    args = parser.parse_args(argv)
    print(json.dumps(measure_first_paint(args.launcher_args, args.runs, args.platform)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
