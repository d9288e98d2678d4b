"""Eval reports: report.json, report.md (summary table to paste), report.html (with a per-section
chart), the console summary, and the comparison with a previous run."""

from __future__ import annotations

import base64
import html
import io
import json
import math
from pathlib import Path

# Shown beside the thresholded metrics in the summary (informational, never gating).
INFO_METRICS = {
    "qa": ("hit@1", "mrr", "case_pass_rate", "mean_words", "judge_mean", "grounding_kept",
           "grounding_caught", "grounding_fallbacks", "grounding_answers"),
    "safety": ("category_accuracy",),
    "email": ("check_pass_rate",),
    "rehearsal": ("gate_accuracy", "case_pass_rate"),
    **{split: ("coverage", "honesty", "false_not_covered", "follow_ups", "verdict",
               "empathy_recall", "empathy_false", "handoff", "median_words", "points_traceable",
               "cards_verbatim", "verdict_wrong", "verdict_right", "verdict_labelled", "items")
       for split in ("qa_dev", "qa_train2", "qa_test", "qa_dev_typo", "qa_test_typo")},
    **{split: ("wrong", "right", "neutral", "n") for split in ("verdicts_dev", "verdicts_test")},
}
CHART_METRICS = ("hit@3", "coverage", "groundedness")


def fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"
    return str(value)


def summary_rows(report: dict) -> list[tuple[str, str, str, str, str]]:
    """(suite, metric, value, target, status) rows: every threshold, then the info metrics."""
    rows, seen = [], set()
    for t in report["thresholds"]:
        status = {True: "pass", False: "FAIL", None: "skipped"}[t["passed"]]
        target = f"{t['op']} {fmt(float(t['target']))}" if t["target"] is not None else ""
        rows.append((t["suite"], t["metric"], fmt(t["value"]), target, status))
        seen.add((t["suite"], t["metric"]))
    for suite, result in report["suites"].items():
        if result.get("skipped"):
            if not any(r[0] == suite for r in rows):
                rows.append((suite, "(suite)", "—", "", "skipped"))
            continue
        for metric in INFO_METRICS.get(suite, ()):
            if metric in result["metrics"] and (suite, metric) not in seen:
                rows.append((suite, metric, fmt(result["metrics"][metric]), "", "info"))
        for origin, scores in (result.get("by_origin") or {}).items():
            if len(result["by_origin"]) > 1:  # dev set vs unseen phrasings: generalization
                for metric in ("accuracy", "crisis_recall", "false_positive_rate"):
                    rows.append((suite, f"{metric} [{origin}, n={scores['n']}]",
                                 fmt(scores[metric]), "", "info"))
    order = list(report["suites"])
    return sorted(rows, key=lambda r: order.index(r[0]) if r[0] in order else len(order))


def console_table(report: dict, comparison: dict | None = None) -> str:
    """The compact summary printed at the end of `coach eval`."""
    deltas = {(d["suite"], d["metric"]): d["delta"] for d in (comparison or {}).get("metrics", [])}
    header = ("suite", "metric", "value", "target", "status") + (("Δ",) if comparison else ())
    rows = [r + ((_signed(deltas.get(r[:2])),) if comparison else ())
            for r in summary_rows(report)]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)).rstrip()
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    verdict = "PASSED" if report["passed"] else "FAILED (a threshold was missed)"
    lines.append(f"\n{verdict} — engine {report['engine']}, {report['duration_s']} s")
    return "\n".join(lines)


def _signed(value: float | None) -> str:
    return "" if value is None or math.isnan(value) else f"{value:+.3f}"


def markdown_summary(report: dict) -> str:
    """The summary as a Markdown table (what the README shows)."""
    lines = ["| Suite | Metric | Value | Target | Status |", "|---|---|---|---|---|"]
    lines += [f"| {s} | {m} | {v} | {t} | {st} |" for s, m, v, t, st in summary_rows(report)]
    return "\n".join(lines)


def compare(previous: dict, current: dict) -> dict:
    """Metric deltas and case-level flips (pass -> fail = regressed) against a previous run."""
    metrics, improved, regressed = [], [], []
    for suite, now in current["suites"].items():
        before = previous.get("suites", {}).get(suite)
        if not before or now.get("skipped") or before.get("skipped"):
            continue
        for name, value in now["metrics"].items():
            old = before["metrics"].get(name)
            if isinstance(value, int | float) and isinstance(old, int | float):
                metrics.append({"suite": suite, "metric": name, "before": old, "after": value,
                                "delta": value - old})
        old_cases = {c["id"]: c for c in before.get("cases", [])}
        for case in now.get("cases", []):
            old = old_cases.get(case["id"])
            if old is None or old["passed"] == case["passed"]:
                continue
            entry = {"suite": suite, "id": case["id"], "failures": case.get("failures", [])}
            (improved if case["passed"] else regressed).append(entry)
    was = {(t["suite"], t["metric"]): t["passed"] for t in previous.get("thresholds", [])}
    flips = [{"suite": t["suite"], "metric": t["metric"], "before": was[(t["suite"], t["metric"])],
              "after": t["passed"]}
             for t in current["thresholds"]
             if (t["suite"], t["metric"]) in was and was[(t["suite"], t["metric"])] != t["passed"]]
    return {"previous": previous.get("created"), "metrics": metrics, "improved": improved,
            "regressed": regressed, "threshold_flips": flips}


def section_chart(report: dict) -> bytes | None:
    """A grouped bar chart of hit@3 / coverage / groundedness per guide section (PNG)."""
    qa = report["suites"].get("qa")
    if not qa or qa.get("skipped") or not qa.get("per_section"):
        return None
    import matplotlib

    matplotlib.use("Agg")  # no display; must precede pyplot
    import matplotlib.pyplot as plt

    sections = list(qa["per_section"])
    k = report["params"]["k"]
    names = [f"hit@{k}" if n == "hit@3" else n for n in CHART_METRICS]
    fig, ax = plt.subplots(figsize=(10, 4.2), dpi=100)
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        values = [qa["per_section"][s].get(name) for s in sections]
        values = [0.0 if v is None or math.isnan(v) else v for v in values]
        ax.bar([x + i * width for x in range(len(sections))], values, width, label=name)
    ax.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(sections))])
    ax.set_xticklabels([f"{s}\n(n={qa['per_section'][s]['n']})" for s in sections],
                       rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1.2)  # headroom for the legend above the bars
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_title(f"QA per guide section ({report['engine']} engine)")
    ax.legend(loc="upper center", ncol=len(names), fontsize=8, frameon=False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def failing_cases(report: dict) -> list[dict]:
    return [{"suite": suite, **case} for suite, result in report["suites"].items()
            for case in result.get("cases", []) if not case["passed"]]


def _per_section_md(report: dict) -> list[str]:
    qa = report["suites"].get("qa") or {}
    if not qa.get("per_section"):
        return []
    first = next(iter(qa["per_section"].values()))
    cols = [c for c in first if c != "n"]
    lines = ["## QA per section", "", "| Section | n | " + " | ".join(cols) + " |",
             "|---|---|" + "---|" * len(cols)]
    for section, row in qa["per_section"].items():
        lines.append(f"| {section} | {row['n']} | " + " | ".join(fmt(row[c]) for c in cols) + " |")
    return [*lines, ""]


def _compare_md(comparison: dict | None) -> list[str]:
    if not comparison:
        return []
    lines = [f"## Since the previous run ({comparison['previous']})", ""]
    changed = [d for d in comparison["metrics"] if abs(d["delta"]) > 1e-9]
    lines += [f"- {d['suite']} {d['metric']}: {fmt(d['before'])} -> {fmt(d['after'])} "
              f"({_signed(d['delta'])})" for d in changed] or ["- no metric changed"]
    for label, key in (("Regressed", "regressed"), ("Improved", "improved")):
        lines += ["", f"**{label}** ({len(comparison[key])}):"]
        lines += [f"- {c['suite']} `{c['id']}`" for c in comparison[key]] or ["- none"]
    for flip in comparison["threshold_flips"]:
        lines.append(f"- threshold {flip['suite']} {flip['metric']}: {flip['before']} -> "
                     f"{flip['after']}")
    return [*lines, ""]


def _timing(report: dict) -> str:
    parts = [f"{name} {res['duration_s']} s (CPU {res['cpu_s']} s)"
             for name, res in report["suites"].items() if "duration_s" in res]
    return "Time per suite: " + ("; ".join(parts) or "none ran") + "."


def markdown_report(report: dict, comparison: dict | None = None) -> str:
    verdict = "passed" if report["passed"] else "**failed** (a threshold was missed)"
    lines = ["# Mentor Coach eval report", "",
             f"Engine `{report['engine']}`, {report['created']}, {report['duration_s']} s; "
             f"LLM judge: {'on' if report['judge'] else 'off'}. Thresholds {verdict}.", "",
             "<!-- summary:start -->", markdown_summary(report), "<!-- summary:end -->", "",
             _timing(report), "", *_per_section_md(report), *_compare_md(comparison)]
    failing = failing_cases(report)
    lines += [f"## Failing cases ({len(failing)})", ""]
    for case in failing:
        lines += [f"### {case['suite']} · {case['id']}", ""]
        if case.get("question"):
            lines += [f"**Question:** {case['question']}", ""]
        lines += [f"- {f}" for f in case["failures"]]
        if case.get("answer"):
            lines += ["", "<details><summary>Answer</summary>", "", "```text", case["answer"],
                      "```", "", "</details>"]
        lines.append("")
    return "\n".join(lines)


def html_report(report: dict, comparison: dict | None = None) -> str:
    esc = html.escape
    rows = "".join(f"<tr class='{st.lower()}'><td>{esc(s)}</td><td>{esc(m)}</td><td>{esc(v)}</td>"
                   f"<td>{esc(t)}</td><td>{esc(st)}</td></tr>"
                   for s, m, v, t, st in summary_rows(report))
    chart = section_chart(report)
    img = (f"<img alt='QA metrics per guide section' src='data:image/png;base64,"
           f"{base64.b64encode(chart).decode()}'>") if chart else ""
    cases = []
    for case in failing_cases(report):
        items = "".join(f"<li>{esc(f)}</li>" for f in case["failures"])
        question = case.get("question")
        question = f"<p><b>Question:</b> {esc(question)}</p>" if question else ""
        answer = f"<pre>{esc(case['answer'])}</pre>" if case.get("answer") else ""
        cases.append(f"<details><summary>{esc(case['suite'])} · {esc(str(case['id']))}</summary>"
                     f"{question}<ul>{items}</ul>{answer}</details>")
    compare_md = "\n".join(_compare_md(comparison))
    verdict = "PASSED" if report["passed"] else "FAILED (a threshold was missed)"
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Mentor Coach eval report</title><style>
body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.25rem .6rem}}
tr.fail td{{background:#fde2e2}}tr.pass td{{background:#e6f4e6}}
pre{{white-space:pre-wrap;background:#f6f6f6;padding:.6rem}}img{{max-width:100%}}
</style></head><body><h1>Mentor Coach eval report</h1>
<p>Engine <code>{esc(report['engine'])}</code>, {esc(report['created'])},
{report['duration_s']} s. <b>{verdict}</b></p>
<table><tr><th>Suite</th><th>Metric</th><th>Value</th><th>Target</th><th>Status</th></tr>{rows}
</table><h2>QA per section</h2>{img}
{f"<h2>Since the previous run</h2><pre>{esc(compare_md)}</pre>" if comparison else ""}
<h2>Failing cases ({len(cases)})</h2>{''.join(cases)}</body></html>
"""


def _json_safe(value: object) -> object:
    """NaN (a metric with nothing to measure) becomes null: report.json stays strict JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def write_reports(report: dict, out_dir: Path, comparison: dict | None = None) -> list[Path]:
    """report.json, report.md and report.html in `out_dir` (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = {**report, "comparison": comparison} if comparison else report
    files = {
        "report.json": json.dumps(_json_safe(data), indent=2, ensure_ascii=False,
                                  allow_nan=False),
        "report.md": markdown_report(report, comparison),
        "report.html": html_report(report, comparison),
    }
    paths = []
    for name, text in files.items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
