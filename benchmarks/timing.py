"""Timing helpers: percentiles, and child processes timed to a ready marker, with peak RSS."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

READY = "BENCH-READY"


def percentile(values: list[float], p: float) -> float:
    """Linear-interpolated percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * p / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: list[float]) -> float:
    return statistics.median(values)


@dataclass
class ChildRun:
    seconds: float  # start to the READY line (or to exit when no marker is expected)
    peak_rss_mb: float  # the child's own high-water mark (VmHWM), polled while it runs
    cpu_seconds: float  # user + system CPU of the whole run, from wait4 (a second view)
    returncode: int
    stdout: str
    stderr: str


class HighWater:
    """Polls /proc/PID/status VmHWM (the kernel's own peak RSS of that process) in a thread.

    Not wait4/getrusage: a forked child's ru_maxrss starts from the parent's RSS at fork time,
    so children of this (large) process would all report at least its size.
    """

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.status = Path(f"/proc/{pid}/status")
        self.kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, args=(interval,), daemon=True)
        self._thread.start()

    def read(self) -> None:
        try:
            for line in self.status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.kib = max(self.kib, int(line.split()[1]))
        except (OSError, ValueError):  # exited (zombies have no VmHWM): keep the last value
            pass

    def _poll(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.read()

    def stop_mb(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.kib / 1024


def run_child(cmd: list[str], env: dict[str, str], *, marker: bool, timeout: float = 300.0,
              cwd: Path | None = None) -> ChildRun:
    """Run `cmd`; time it to the READY line (`marker`) or to exit. Raises if it fails."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=err,
                                stdin=subprocess.DEVNULL, text=True)
        watchdog = threading.Timer(timeout, proc.kill)
        watchdog.start()
        high_water = HighWater(proc.pid)
        ready = None
        lines = []
        for line in proc.stdout:  # the child prints little: read line by line until EOF
            lines.append(line)
            if marker and ready is None and line.startswith(READY):
                ready = time.perf_counter()
        _, status, usage = os.wait4(proc.pid, 0)  # its own CPU times (RSS is read above)
        ended = time.perf_counter()
        watchdog.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    stdout = "".join(lines)
    if proc.returncode != 0 or (marker and ready is None):
        raise RuntimeError(f"{' '.join(cmd[:3])}... exited {proc.returncode}: {stderr[-800:]}")
    seconds = (ready if marker else ended) - start
    return ChildRun(seconds, high_water.stop_mb(), usage.ru_utime + usage.ru_stime,
                    proc.returncode, stdout, stderr)


def python_cmd(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def coach_cmd(*args: str) -> list[str]:
    """The installed `coach` console script next to this interpreter (else `python -m coach`)."""
    script = Path(sys.executable).with_name("coach")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "coach", *args]
