"""Benchmark rows (each figure as a ratio to its floor), machine info, Markdown and JSON output."""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

UNITS = {"ms": 1e3, "s": 1.0, "MB": 1.0, "chunks/s": 1.0, "req/s": 1.0, "%": 100.0,
         "calls": 1.0}
# A machine is busy when its 1-minute load average reaches this per core: timings are then
# distorted (contention slows the embedding floor more than the rest, so ratios shrink).
BUSY_PER_CORE = 0.5


def load_average() -> list[float]:
    """1, 5 and 15-minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def is_busy(load_1m: float | None = None) -> bool:
    """Whether the machine is too busy for honest timings."""
    load = os.getloadavg()[0] if load_1m is None else load_1m
    return load >= BUSY_PER_CORE * (os.cpu_count() or 1)


@dataclass
class Row:
    """One figure: ours beside its floor (or baseline) measured in the same run."""

    figure: str
    ours: float | None  # seconds for times; raw values otherwise (see `unit`)
    floor: float | None
    unit: str
    target: str = "—"
    met: bool | None = None  # None: no target, or not measured
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.floor:
            return None
        return self.ours / self.floor

    def to_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio}


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    scaled = value * UNITS.get(unit, 1.0)
    if unit == "ms":
        return f"{scaled:.1f} ms"
    if unit == "s":
        return f"{scaled:.2f} s"
    if unit == "%":
        return f"{scaled:.0f}%"
    return f"{scaled:,.1f} {unit}" if scaled < 100 else f"{scaled:,.0f} {unit}"


def ratio_row(figure: str, ours: float | None, floor: float | None, unit: str, *,
              at_most: float | None = None, at_least: float | None = None, note: str = "") -> Row:
    """A row whose target is a bound on ours/floor (`at_most` for costs, `at_least` for rates)."""
    row = Row(figure, ours, floor, unit, note=note)
    if at_most is not None:
        row.target = f"≤ {at_most:g}×"
        row.met = None if row.ratio is None else row.ratio <= at_most
    elif at_least is not None:
        row.target = f"≥ {at_least:g}×"
        row.met = None if row.ratio is None else row.ratio >= at_least
    return row


def unavailable(figure: str, why: str) -> Row:
    """A placeholder row for a part that could not run (no ratio)."""
    return Row(figure, None, None, "", target="—", met=None, note=f"not available: {why}")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> dict:
    """CPU count and model, RAM, Python and torch versions (noisy-machine context)."""
    import psutil

    try:
        import torch

        torch_version, threads = torch.__version__, torch.get_num_threads()
    except ImportError:
        torch_version, threads = "not installed", None
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "load_avg_before": load_average(),
        "python": sys.version.split()[0],
        "torch": torch_version,
        "torch_threads": threads,
        "platform": platform.platform(),
    }


@dataclass
class Report:
    size: str
    params: dict
    machine: dict = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    raw: dict = field(default_factory=dict)  # per-part samples, for anyone re-analysing
    seconds: float = 0.0
    seed: int | None = None  # the run's question sample (benchmarks.questions.fresh_sample)

    @property
    def busy(self) -> bool:
        """Busy when the run started: other work on the machine. The load at the end is
        reported too, but it includes the benchmark's own work (its served-app load runs two
        cores flat), so it cannot tell a quiet machine from a busy one."""
        load = self.machine.get("load_avg_before")
        return bool(load) and is_busy(load[0])

    def heading(self) -> str:
        """The run's context: machine, load average before and after, question sample."""
        m = self.machine
        before, after = m.get("load_avg_before") or ["?"], m.get("load_avg_after") or ["?"]
        text = (
            f"Machine: {m.get('cpu_count')} CPU ({m.get('cpu_model')}), {m.get('ram_gb')} GB "
            f"RAM, Python {m.get('python')}, torch {m.get('torch')} ({m.get('torch_threads')} "
            f"threads). Load average (1 min) {before[0]} before the run, {after[0]} after (the "
            "benchmark's own load included). "
            f"Question sample seed {self.seed}. Run took {self.seconds:.0f} s."
        )
        if self.busy:
            text += (f"\n\n**Busy machine** (load ≥ {BUSY_PER_CORE:g} per core): these timings "
                     "are distorted; rerun on a quiet machine.")
        return text

    def table(self) -> list[str]:
        lines = ["| figure | ours | floor/baseline | ratio | target | met? |",
                 "|---|---|---|---|---|---|"]
        for row in self.rows:
            ratio = "—" if row.ratio is None else f"{row.ratio:.2f}×"
            met = {True: "yes", False: "**no**", None: "—"}[row.met]
            floor = _fmt(row.floor, row.unit)
            figure = row.figure + (f" ({row.note})" if row.note else "")
            lines.append(f"| {figure} | {_fmt(row.ours, row.unit)} | {floor} | {ratio} | "
                         f"{row.target} | {met} |")
        return lines

    def markdown(self) -> str:
        lines = [
            f"# Mentor Coach benchmarks (size: {self.size})",
            "",
            self.heading(),
            "",
            "Ratios compare each figure with its floor measured in the same run, on questions "
            "the process has not seen before; absolute numbers on a shared machine are noisy.",
            "",
            *self.table(),
        ]
        if self.notes:
            lines += ["", "Notes:", ""] + [f"- {n}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict:
        return {"size": self.size, "params": self.params, "machine": self.machine,
                "seed": self.seed, "busy": self.busy,
                "seconds": round(self.seconds, 1), "rows": [r.to_dict() for r in self.rows],
                "notes": self.notes, "raw": self.raw}

    def write(self, out_dir: Path) -> tuple[Path, Path]:
        out_dir.mkdir(parents=True, exist_ok=True)
        md, js = out_dir / "bench.md", out_dir / "bench.json"
        md.write_text(self.markdown(), encoding="utf-8")
        js.write_text(json.dumps(self.to_dict(), indent=2, default=str), encoding="utf-8")
        return md, js
