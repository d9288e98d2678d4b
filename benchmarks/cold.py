"""Figure 2 (cold start to first answer) and figure 7's `coach ask` peak RSS, in fresh processes."""

from __future__ import annotations

from benchmarks.context import FLOOR_CODE, SAMPLE_QUESTION, Bench
from benchmarks.report import ratio_row
from benchmarks.timing import READY, coach_cmd, median, python_cmd, run_child

COLD_CODE = (
    "from coach.ask.answer import Coach\n"
    f"answer = Coach.from_settings().ask({SAMPLE_QUESTION!r})\n"
    f"print({READY!r}, answer.kind, flush=True)\n"
)


def run(bench: Bench) -> None:
    ours, floor, ours_rss, floor_rss, ours_cpu, floor_cpu = [], [], [], [], [], []
    for _ in range(bench.params.cold_runs):  # alternate, so both see the same machine load
        base = run_child(python_cmd(FLOOR_CODE), bench.env(), marker=True, cwd=bench.root)
        bench.cache.setdefault("floor_process", base)  # reused by the served-app memory row
        floor.append(base.seconds)
        floor_rss.append(base.peak_rss_mb)
        floor_cpu.append(base.cpu_seconds)
        child = run_child(python_cmd(COLD_CODE), bench.env(), marker=True, cwd=bench.root)
        if f"{READY} answer" not in child.stdout:
            raise RuntimeError(f"cold start did not answer: {child.stdout[-300:]}")
        ours.append(child.seconds)
        ours_rss.append(child.peak_rss_mb)
        ours_cpu.append(child.cpu_seconds)
    ask = run_child(coach_cmd("ask", SAMPLE_QUESTION), bench.env(), marker=False, cwd=bench.root)
    bench.report.raw["cold"] = {"ours_s": ours, "floor_s": floor, "ours_rss_mb": ours_rss,
                                "floor_rss_mb": floor_rss, "ours_cpu_s": ours_cpu,
                                "floor_cpu_s": floor_cpu, "coach_ask_rss_mb": ask.peak_rss_mb,
                                "coach_ask_s": ask.seconds}
    runs = f"median of {len(ours)}"
    bench.report.rows += [
        ratio_row("cold start: fresh process to first answer vs model-only process",
                  median(ours), median(floor), "s", at_most=1.3, note=runs),
        ratio_row("cold start CPU time (user+sys, whole process)", median(ours_cpu),
                  median(floor_cpu), "s", note="incl. exit; spin-waiting torch threads inflate "
                  "it on a busy machine; informational"),
        ratio_row("peak RSS of `coach ask` vs model-only process", ask.peak_rss_mb,
                  median(floor_rss), "MB", note="VmHWM polled every 20 ms"),
    ]
