"""Run every benchmark and write the results to docs/benchmarks.md.

    python benchmarks/run.py            # full series (a few minutes)
    python benchmarks/run.py --quick    # fewer runs, for a quick check

Each benchmark runs in its own process (see the modules next to this file) and prints JSON; this
script collects the JSON, compares it with the targets and writes the Markdown page. The page
records the date, the machine, the versions and the command, so a result can be reproduced.
Times on a shared machine are noisy, so every time is a median over several runs.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from launcher.ui.cascade import MAX_PREFETCHED_FLEETS
from launcher.ui.tasks import MAX_BACKGROUND_TASKS

BENCHMARKS = Path(__file__).resolve().parent
REPOSITORY = BENCHMARKS.parent
OUTPUT = REPOSITORY / "docs" / "benchmarks.md"
BENCHMARK_TIMEOUT_SECONDS = 1800

# Targets, as limits on the measured value.
FIRST_PAINT_TARGET_S = 0.35
PADDING_FLEETS = 60  # the padded scenario of benchmarks/round_trips.py
ROUND_TRIP_LATENCY_MS = 100
MAX_GUI_GAP_TARGET_MS = 50
KEYSTROKE_TARGET_MS = 16
MAX_RSS_TARGET_MB = 200
CLI_RATIO_TARGET = 0.5


def run_json(command: list[str], environment: dict[str, str] | None = None) -> dict:
    """Run a benchmark process and return the JSON object on its last stdout line."""
    print("$", " ".join(command), file=sys.stderr, flush=True)
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=BENCHMARK_TIMEOUT_SECONDS,
        cwd=REPOSITORY,
        env=environment or dict(os.environ),
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        return {"error": f"exit status {result.returncode}: {result.stderr.strip()[-500:]}"}
    return json.loads(lines[-1])


def python_command(script: str, *args: str) -> list[str]:
    return [sys.executable, str(BENCHMARKS / script), *args]


# Machine and versions ------------------------------------------------------------------------


def read_first(path: str, prefix: str) -> str:
    try:
        with open(path, encoding="utf-8") as file:
            for line in file:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def load_average() -> str:
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def machine_facts() -> dict[str, str]:
    memory_kb = read_first("/proc/meminfo", "MemTotal")
    memory = f"{int(memory_kb.split()[0]) / 1024 / 1024:.1f} GiB" if memory_kb != "unknown" else "unknown"
    versions = subprocess.run(
        [
            sys.executable,
            "-c",
            "import PySide6, PySide6.QtCore, boto3, botocore; "
            "print(PySide6.__version__, PySide6.QtCore.qVersion(), boto3.__version__, botocore.__version__)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.split()
    pyside, qt, boto3_version, botocore_version = (versions + ["unknown"] * 4)[:4]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPOSITORY).stdout
    dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, cwd=REPOSITORY).stdout
    return {
        "Date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "Load average at start (1, 5, 15 min)": load_average(),
        "CPU": read_first("/proc/cpuinfo", "model name"),
        "Cores (nproc)": str(os.cpu_count()),
        "RAM": memory,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "PySide6 / Qt": f"{pyside} / {qt}",
        "boto3 / botocore": f"{boto3_version} / {botocore_version}",
        "Commit": f"{commit.strip()}{' with uncommitted changes' if dirty.strip() else ''}",
    }


# Benchmarks ----------------------------------------------------------------------------------


def startup_series(runs: int) -> list[dict]:
    series = [run_json(python_command("startup.py", "--platform", "offscreen", "--runs", str(runs), "--", "--demo"))]
    series[-1]["label"] = "`--demo`, offscreen"
    xvfb = shutil.which("xvfb-run")
    if xvfb:
        command = [xvfb, "-a", "-s", "-screen 0 1280x1024x24"]
        series.append(run_json(command + python_command("startup.py", "--platform", "xcb", "--runs", str(runs), "--", "--demo")))
        series[-1]["label"] = "`--demo`, xcb under xvfb-run"
    else:
        series.append({"label": "xcb under xvfb-run", "error": "xvfb-run is not installed"})

    # The everyday start: no emulator, with dummy keys and a closed loopback port as the endpoint,
    # so the requests that start after the window fail at once and never leave the machine.
    environment = dict(os.environ)
    environment.update(
        AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY="benchmark-secret",
        AWS_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    arguments = ["--endpoint-url", "http://127.0.0.1:9"]
    series.append(
        run_json(python_command("startup.py", "--platform", "offscreen", "--runs", str(runs), "--", *arguments), environment)
    )
    series[-1]["label"] = "without `--demo`, offscreen"

    # The same start with the stack names of an earlier listing saved, so the stack box is filled
    # at first paint.
    with tempfile.TemporaryDirectory(prefix="launcher-bench-cache-") as cache:
        saved = run_json(
            [sys.executable, "-c", SAVE_NAMES_SCRIPT, cache, "http://127.0.0.1:9", "us-east-1"], dict(os.environ)
        )
        arguments = ["--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1"]
        series.append(
            run_json(
                python_command("startup.py", "--platform", "offscreen", "--runs", str(runs), "--", *arguments),
                dict(environment, APPSTREAM_LAUNCHER_CACHE_DIR=cache),
            )
        )
        series[-1]["label"] = f"without `--demo`, offscreen, {saved.get('saved')} stack names saved"
    return series


# Saves the sample scenario's stack names for the default chain, as an earlier start would have.
SAVE_NAMES_SCRIPT = """
import json, os, sys
os.environ["APPSTREAM_LAUNCHER_CACHE_DIR"] = sys.argv[1]
from launcher.appstream.name_cache import NameCache, target_digest
from launcher.emulator.scenario import load_scenario
from launcher.appstream.models import Stack
stacks = [Stack(spec.name, spec.output.get("DisplayName") or "") for spec in load_scenario(None).stacks]
NameCache().save(target_digest("default", sys.argv[3], sys.argv[2]), stacks)
print(json.dumps({"saved": len(stacks)}))
"""


def median(values: list[float]) -> float:
    ordered = sorted(value for value in values if value is not None)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


# Report --------------------------------------------------------------------------------------


def verdict(passed: bool) -> str:
    return "met" if passed else "**missed**"


def startup_rows(series: list[dict]) -> list[str]:
    rows = [
        "| variant | runs | median | min | max | stacks listed at first paint | loaded at first paint |",
        "|---|---|---|---|---|---|---|",
    ]
    for item in series:
        if "error" in item or not item.get("seconds"):
            rows.append(f"| {item.get('label')} | 0 | failed: {item.get('error') or item.get('failures')} | | | | |")
            continue
        seconds = item["seconds"]
        loaded = ", ".join(name for name, present in item["modules"].items() if present) or "none"
        listed = sorted({count for count in item.get("stacks_at_first_paint", []) if count is not None})
        rows.append(
            f"| {item['label']} | {len(seconds)} | {median(seconds):.3f} s | {min(seconds):.3f} s | "
            f"{max(seconds):.3f} s | {', '.join(map(str, listed)) or '?'} | {loaded} |"
        )
    return rows


def flow_rows(flow: dict) -> list[str]:
    rows = ["| step | median | min | max | ≈ sequential round trips | calls so far |", "|---|---|---|---|---|---|"]
    for step, values in flow.items():
        rows.append(
            f"| {step} | {values['median_ms']:.0f} ms | {values['min_ms']:.0f} ms | {values['max_ms']:.0f} ms | "
            f"{values['round_trips']} | {values['calls']} |"
        )
    return rows


def large_rows(runs: list[dict]) -> list[str]:
    rows = [
        "| run | stacks shown | prefetch done | max gap while loading | max gap while choosing | "
        "keystroke median / max | filter model median / max | peak RSS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for number, item in enumerate(runs, 1):
        if "error" in item:
            rows.append(f"| {number} | failed: {item['error']} | | | | | | |")
            continue
        rows.append(
            f"| {number} | {item['stacks_shown_ms']:.0f} ms | {item['prefetch_done_ms']:.0f} ms | "
            f"{item['gaps_while_loading']['max_ms']} ms | {item['gaps_while_choosing']['max_ms']} ms | "
            f"{item['keystroke_ms']['median']} / {item['keystroke_ms']['max']} ms | "
            f"{item['filter_model_ms']['median']} / {item['filter_model_ms']['max']} ms | {item['max_rss_mb']} MB |"
        )
    return rows


def write_report(facts: dict, command: str, startup: list[dict], flows: dict, large: list[dict], cli: dict) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Speed and memory of the window and the command line, measured by `benchmarks/run.py`. The",
        "page is generated: rerun the command below to replace it. The machine is shared with other",
        "work, so every time is a median over several runs and single runs vary by tens of",
        "milliseconds; the min and max columns show the spread.",
        "",
        f"Command: `{command}`",
        "",
        "| machine | |",
        "|---|---|",
        *[f"| {key} | {value} |" for key, value in facts.items()],
        "",
    ]

    good_startup = [item for item in startup if item.get("seconds")]
    startup_medians = {item["label"]: median(item["seconds"]) for item in good_startup}
    window = flows.get("window", {})
    sequential = flows.get("sequential", {})
    good_large = [item for item in large if "error" not in item]
    # Each run yields its longest gap and its slowest key. The targets use the median over the
    # runs, and the worst run is shown next to it.
    load_gaps = [item["gaps_while_loading"]["max_ms"] for item in good_large]
    choice_gaps = [item["gaps_while_choosing"]["max_ms"] for item in good_large]
    keystrokes = [item["keystroke_ms"]["max"] for item in good_large]
    filter_times = [item["filter_model_ms"]["max"] for item in good_large]
    rss = max((item["max_rss_mb"] for item in good_large), default=None)

    lines += ["## Targets", "", "| target | limit | measured | result |", "|---|---|---|---|"]
    for label, value in startup_medians.items():
        lines.append(
            f"| first paint after process start, {label} | {FIRST_PAINT_TARGET_S} s | {value:.3f} s (median) | "
            f"{verdict(value <= FIRST_PAINT_TARGET_S)} |"
        )
    if window and sequential:
        window_ms = window["URL shown"]["median_ms"] - window["window constructed"]["median_ms"]
        sequential_ms = sequential["URL shown"]["median_ms"]
        lines.append(
            f"| full flow at {ROUND_TRIP_LATENCY_MS} ms per call, first request to URL | fewer round trips than the "
            f"sequential flow | {window_ms:.0f} ms ≈ {window_ms / ROUND_TRIP_LATENCY_MS:.1f} round trips vs "
            f"{sequential_ms:.0f} ms ≈ {sequential_ms / ROUND_TRIP_LATENCY_MS:.1f} | {verdict(window_ms < sequential_ms)} |"
        )
        restored = flows.get("window_restored", {})
        if restored:
            restored_ms = restored["all lists shown"]["median_ms"] - restored["window constructed"]["median_ms"]
            sequential_lists_ms = sequential["applications shown"]["median_ms"]
            lines.append(
                f"| restored session, first request to all three lists shown | fewer round trips than the sequential "
                f"flow | {restored_ms:.0f} ms ≈ {restored_ms / ROUND_TRIP_LATENCY_MS:.1f} round trips vs "
                f"{sequential_lists_ms:.0f} ms ≈ {sequential_lists_ms / ROUND_TRIP_LATENCY_MS:.1f} | "
                f"{verdict(restored_ms < sequential_lists_ms)} |"
            )
        fleets_after_stack = window["fleets shown"]["median_ms"] - window["stacks shown"]["median_ms"]
        lines.append(
            f"| stack chosen → fleets shown | 1 round trip | {fleets_after_stack:.0f} ms | "
            f"{verdict(fleets_after_stack < 2 * ROUND_TRIP_LATENCY_MS)} |"
        )
        early = flows.get("early_stack", {})
        if early:
            names_after_stack = early["fleet names shown"]["median_ms"] - early["stacks shown"]["median_ms"]
            lines.append(
                f"| stack chosen before the all-fleets prefetch → fleets shown | 1 round trip | {names_after_stack:.0f} ms "
                f"(states {early['fleet states shown']['median_ms'] - early['stacks shown']['median_ms']:.0f} ms) | "
                f"{verdict(names_after_stack < 2 * ROUND_TRIP_LATENCY_MS)} |"
            )
        applications_after_fleet = window["applications shown"]["median_ms"] - window["fleets shown"]["median_ms"]
        lines.append(
            f"| fleet chosen → applications shown (chosen at once) | 1 round trip | {applications_after_fleet:.0f} ms | "
            f"{verdict(applications_after_fleet < 2 * ROUND_TRIP_LATENCY_MS)} |"
        )
        switch = flows.get("fleet_switch", {})
        if switch:
            worst_switch = max(values["median_ms"] for values in switch.values())
            lines.append(
                f"| fleet chosen → applications shown (prefetched) | no round trip | {worst_switch:.0f} ms, "
                f"{max(values['calls'] for values in switch.values())} calls | "
                f"{verdict(worst_switch < ROUND_TRIP_LATENCY_MS / 2)} |"
            )
        generate = window["URL shown"]["median_ms"] - window["applications shown"]["median_ms"]
        lines.append(
            f"| Generate | 1 round trip | {generate:.0f} ms | {verdict(generate < 2 * ROUND_TRIP_LATENCY_MS)} |"
        )
    if good_large:
        runs = f"median of {len(good_large)} runs, worst"
        for label, values, limit in (
            ("longest GUI-thread stall, 1,000 stacks and 2,000 fleets loading", load_gaps, MAX_GUI_GAP_TARGET_MS),
            ("longest GUI-thread stall, choosing a stack and a fleet", choice_gaps, MAX_GUI_GAP_TARGET_MS),
            ("filter model, slowest keystroke (1,000 stacks)", filter_times, KEYSTROKE_TARGET_MS),
            ("whole keystroke with popup and form checks, slowest (1,000 stacks)", keystrokes, KEYSTROKE_TARGET_MS),
        ):
            lines.append(
                f"| {label} | {limit} ms | {median(values):.1f} ms ({runs} {max(values):.1f} ms) | "
                f"{verdict(median(values) <= limit)} |"
            )
        lines.append(
            f"| peak resident memory of the window (1,000 stacks, 2,000 fleets) | {MAX_RSS_TARGET_MB} MB | {rss} MB | "
            f"{verdict(rss <= MAX_RSS_TARGET_MB)} |"
        )
    if "ratio" in cli:
        lines.append(
            f"| `appstream-launcher url` / `aws appstream create-streaming-url` | {CLI_RATIO_TARGET} | {cli['ratio']} "
            f"({cli['median_s']['launcher']} s / {cli['median_s']['aws']} s) | {verdict(cli['ratio'] <= CLI_RATIO_TARGET)} |"
        )
    lines.append("")

    lines += [
        "## Window start-up",
        "",
        "`benchmarks/startup.py` spawns `benchmarks/probe_window.py --demo`, which runs the same entry point",
        "as `python -m launcher --demo` and prints `time.time()` at the first Paint event of the main",
        "window. The time is measured from just before the spawn, so it includes interpreter start-up.",
        "The last column lists the heavy modules present at that moment; worker threads start importing",
        "botocore while the window is built, so seeing it there is expected. \"Stacks listed\" counts the",
        "entries of the stack box at first paint: the names saved at the last listing, when there are any.",
        "",
        *startup_rows(startup),
        "",
        f"## Round trips at {ROUND_TRIP_LATENCY_MS} ms per API call",
        "",
        "`benchmarks/round_trips.py` runs the window in one process (offscreen) against an in-process",
        f"emulator that delays every call by {ROUND_TRIP_LATENCY_MS} ms, with the sample data (26 stacks, 10 per",
        "page), stack office-hq, fleet office-always-on, application excel. Times count from the",
        "construction of the window. Clients are created before timing on both sides. \"≈ sequential round",
        "trips\" is the median time divided by the latency; \"calls so far\" counts every request the",
        "emulator received, prefetches included.",
        "",
        "Plain sequential flow with boto3 (DescribeStacks pages, ListAssociatedFleets, DescribeFleets,",
        "DescribeImages, CreateStreamingURL, one after the other):",
        "",
        *flow_rows(sequential),
        "",
        "The window, with a user who picks each entry as soon as it is listed:",
        "",
        *flow_rows(window),
        "",
        "The window started with the stack, fleet and application of the last session restored:",
        "",
        *flow_rows(flows.get("window_restored", {})),
        "",
        f"A stack chosen before the all-fleets prefetch reached its fleets ({PADDING_FLEETS} more fleets, of no",
        "stack, are listed before the sample ones, so the prefetch needs 7 pages), then a fleet chosen as soon",
        "as the names show. The names show after ListAssociatedFleets; the states follow from DescribeFleets:",
        "",
        *flow_rows(flows.get("early_stack", {})),
        "",
        "Choosing each fleet of a four-fleet stack (two share an image, one is Elastic) after the",
        "prefetches finished:",
        "",
        *flow_rows(flows.get("fleet_switch", {})),
        "",
        "## 1,000 stacks and 2,000 fleets",
        "",
        "`benchmarks/large_account.py` starts the emulator in a child process with a generated scenario",
        "(`benchmarks/scenarios.py`, 0 ms latency and 10 items per page: 100 DescribeStacks pages and 200",
        "DescribeFleets pages), opens the window (offscreen) and runs a 10 ms QTimer heartbeat. The gap",
        "columns are the longest time between two heartbeat ticks (10 ms is no stall). Then it chooses a",
        "stack and a fleet, and types `department 12 stack 0` into the stack box one key at a time. The",
        "keystroke column times QTest.keyClick plus the events it causes (filtering, the completion popup,",
        "the form checks); the filter model column times QCompleter.setCompletionPrefix and",
        "completionCount alone. Peak RSS is ru_maxrss of the window process.",
        "",
        *large_rows(large),
        "",
        "## Command line against the AWS CLI",
        "",
        "`benchmarks/cli_speed.py` runs each command alternately against one emulator in a child",
        "process, with dummy keys in the environment and no AWS configuration files. `launcher` signs and",
        "sends its request without botocore (`launcher/appstream/direct.py`). `url` does so when the keys",
        "come from the environment or a profile's plain keys and nothing requires more (a role, SSO, a",
        "credential process, saved credentials, a proxy, FIPS, a configured endpoint). `launcher_botocore`",
        "is the same command with the endpoint in AWS_ENDPOINT_URL_APPSTREAM, which takes the botocore path",
        "that all those other cases take. `botocore_floor` is a bare script that imports botocore, creates an",
        "AppStream client and makes the same call, the floor for any command line that creates a botocore",
        "client. `python_startup` is the interpreter alone.",
        "",
    ]
    if "median_s" in cli:
        lines += [
            f"AWS CLI: `{cli['aws_cli_version']}`, {cli['runs']} timed runs of each command.",
            "",
            "| command | median | min | max |",
            "|---|---|---|---|",
            *[
                f"| {name} | {cli['median_s'][name]} s | {cli['min_s'][name]} s | {cli['max_s'][name]} s |"
                for name in cli["median_s"]
            ],
            "",
            f"Ratio of the medians, launcher / aws: **{cli['ratio']}**; on the botocore path, launcher_botocore /",
            f"aws: {cli['botocore_path_ratio']}.",
            "",
        ]
    else:
        lines += [f"Failed: {cli.get('error')}", ""]
    lines += [
        "## What the numbers depend on",
        "",
        "- Lists are cached per target (credential source, region, endpoint) for the life of the window",
        "  (`launcher/appstream/cache.py`). Switching back to a source or region shows its lists without a",
        "  request. Refresh (F5, the tool button next to the stack box, or Retry on the stacks) drops the",
        "  target's lists and reads them again. Failures are not cached.",
        "- When the stacks start loading, background tasks read every fleet (DescribeFleets, all pages)",
        "  and the fleet names of the stack restored from the settings. Once a stack's fleets are shown,",
        f"  the applications of its first {MAX_PREFETCHED_FLEETS} fleets are prefetched, once per image (or Elastic",
        f"  fleet). At most {MAX_BACKGROUND_TASKS} prefetches run at once (`launcher/ui/tasks.py`), so worker",
        "  threads stay free for the lists the user waits for.",
        "- Before the all-fleets prefetch reaches a stack's fleets, choosing that stack shows the fleet names",
        "  after one round trip (ListAssociatedFleets) and their states after a second (DescribeFleets for",
        "  the missing fleets). A fleet chosen in between loads its applications once its state is known.",
        "- The longest GUI-thread stalls at start-up come from worker threads that parse botocore's JSON data",
        "  (botocore 1.44.8's `endpoints.json`, 1.25 MB, and the AppStream service model): `json.loads` holds the GIL for the",
        "  whole parse. All botocore sessions share one data loader (`launcher/appstream/clients.py`), so",
        "  each file is parsed once per process.",
        "- Full garbage collections on a worker used to be the longest stalls (about 20 ms each, walking",
        "  PySide6's and botocore's module data). The window freezes the objects alive once it is built",
        "  and again after the first client (`launcher/heap.py`, `gc.freeze`), so collections skip them.",
        "- The window's start-up path imports PySide6 and the launcher's modules. In demo mode the main",
        "  thread only opens the emulator's loopback socket; the emulator loads on a background thread",
        "  after the first paint, and the first requests wait in the socket's listen backlog.",
        "- The app creates botocore sessions directly; boto3 (which also imports s3transfer) is used only",
        "  by the benchmarks' sequential flow and the tests.",
        "- `url` with plain keys signs its request itself, without botocore (`launcher/appstream/direct.py`).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs of each benchmark")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"Markdown file to write (default: {OUTPUT})")
    args = parser.parse_args(argv)
    startup_runs, flow_runs, large_runs, cli_runs = (5, 2, 1, 5) if args.quick else (15, 5, 3, 15)
    command = "python benchmarks/run.py" + (" --quick" if args.quick else "")

    facts = machine_facts()
    startup = startup_series(startup_runs)
    flows = run_json(python_command("round_trips.py", "--runs", str(flow_runs), "--latency-ms", str(ROUND_TRIP_LATENCY_MS)))
    large = [run_json(python_command("large_account.py")) for _ in range(large_runs)]
    cli = run_json(python_command("cli_speed.py", "--runs", str(cli_runs)))
    facts["Load average at end (1, 5, 15 min)"] = load_average()

    report = write_report(facts, command, startup, flows, large, cli)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report + "\n", encoding="utf-8")
    print(f"Wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
