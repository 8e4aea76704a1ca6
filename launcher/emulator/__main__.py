"""Run the emulator: ``python -m launcher.emulator --port 8765``."""

from launcher.emulator.cli import run

raise SystemExit(run())
