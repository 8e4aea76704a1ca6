"""Set up .venv with the app and open the window in demo mode. Works on Linux, macOS and Windows."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def main() -> int:
    if sys.version_info < (3, 10):
        print(f"AppStream Launcher needs Python 3.10 or newer; this is {sys.version.split()[0]}.", file=sys.stderr)
        return 1
    if not venv_python().exists():
        print(f"Creating {VENV}")
        venv.create(VENV, with_pip=True)
    print("Installing AppStream Launcher into .venv")
    subprocess.run(
        [str(venv_python()), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", str(ROOT)],
        check=True,
    )
    return subprocess.run([str(venv_python()), "-m", "launcher", "--demo", *sys.argv[1:]]).returncode


if __name__ == "__main__":
    raise SystemExit(main())
