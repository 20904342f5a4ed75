"""Run one command as a fresh child process: its wall time, its peak RSS and its exit code.

Peak RSS comes from wait4(2) on that child: the kernel's high-water mark of its resident set
(`ru_maxrss`, KiB on Linux), which also covers any grandchildren it waited for — no polling, so
no short spike is missed. One catch: Linux carries the high-water mark of the process that
spawned the child over into it (exec records the old address space's peak), so a child of the
runner — which has numpy, pyarrow and pandas loaded — would start at the runner's 200+ MiB.
`measure` therefore spawns each command from this module run as a bare interpreter
(`python measure.py --json CMD…`, ~10 MiB, below any tool's own footprint), which measures it.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_rss_mib: float
    returncode: int
    stderr: str


def measure(command: list[str]) -> Measurement:
    """Run `command` to the end from a small helper process and return what it measured."""
    helper = [sys.executable, "-S", str(Path(__file__).resolve()), "--json", *command]
    done = subprocess.run(helper, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the measuring helper failed: {done.stderr.strip()}")
    return Measurement(**json.loads(done.stdout))


def measure_here(command: list[str], cwd: Path | None = None) -> Measurement:
    """Run `command` to the end (stdout discarded, stderr kept) as a child of this process."""
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, cwd=cwd)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
        err.seek(0)
        stderr = err.read()
    scale = 1 if platform.system() == "Darwin" else 1024  # bytes on macOS, KiB on Linux
    return Measurement(seconds, usage.ru_maxrss * scale / 2**20, child.returncode, stderr)


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    import duckdb
    import pandas

    info = {
        "cpus (nproc)": str(os.cpu_count()),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pandas.__version__,
        "os": f"{platform.system()} {platform.release()}",
    }
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = [ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines()
                  if ln.startswith("model name")]  # fmt: skip
        info["cpu"] = models[0] if models else "?"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total = next(ln for ln in meminfo.read_text().splitlines() if ln.startswith("MemTotal"))
        info["memory"] = f"{int(total.split()[1]) / 2**20:.1f} GiB"
    return info


def main(argv: list[str]) -> int:
    as_json = argv[:1] == ["--json"]
    result = measure_here(argv[1:] if as_json else argv)
    if as_json:
        print(json.dumps(asdict(result)))
    else:
        print(f"{result.seconds:.3f} s, {result.peak_rss_mib:.0f} MiB, exit {result.returncode}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
