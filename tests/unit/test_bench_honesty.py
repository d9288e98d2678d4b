"""The benchmark's honesty machinery and the serving settings (no timing is asserted)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from benchmarks import __main__ as bench_main
from benchmarks import report as report_module
from benchmarks.questions import Question, fresh_sample
from benchmarks.readme import END, START, update_readme
from benchmarks.report import Report, Row
from coach.config import Settings

POOL = [Question(f"How do I handle situation number {i}?", ("s",)) for i in range(20)]


def test_each_run_draws_new_wording_from_the_pool():
    one, again, other = fresh_sample(POOL, 1), fresh_sample(POOL, 1), fresh_sample(POOL, 2)
    assert one == again  # a seed reproduces a run
    assert [q.q for q in one] != [q.q for q in other]
    assert all(any(p.q in q.q for p in POOL) for q in one)  # the meaning is the pool's
    assert len(fresh_sample(POOL, 3, limit=5)) == 5


def test_busy_machine_is_refused_without_force(monkeypatch, capsys):
    monkeypatch.setattr(report_module, "is_busy", lambda load=None: True)
    ran = []
    monkeypatch.setattr("benchmarks.runner.run", lambda **kw: ran.append(kw))
    assert bench_main.main(["--size", "tiny"]) == 2
    assert not ran and "--force" in capsys.readouterr().err


def test_busy_threshold_scales_with_cores(monkeypatch):
    monkeypatch.setattr(report_module.os, "cpu_count", lambda: 2)
    assert report_module.is_busy(1.0) and not report_module.is_busy(0.4)


def test_report_states_its_load_and_flags_a_busy_run(tmp_path: Path):
    report = Report(size="tiny", params={}, seed=7,
                    machine={"cpu_count": 2, "load_avg_before": [9.0, 8.0, 7.0],
                             "load_avg_after": [9.5, 8.0, 7.0]})
    report.rows.append(Row("warm ask() p50 vs embed_query p50", 0.02, 0.01, "ms"))
    text = report.markdown()
    assert "9.0 before the run, 9.5 after" in text and "seed 7" in text
    assert "Busy machine" in text
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{START}\nold table\n{END}\noutro\n", encoding="utf-8")
    update_readme(readme, report)
    new = readme.read_text(encoding="utf-8")
    assert "old table" not in new and "| warm ask() p50" in new
    assert new.startswith("intro\n") and new.endswith("outro\n")


def test_serving_defaults_follow_the_core_count(monkeypatch):
    monkeypatch.setattr("coach.config.os.cpu_count", lambda: 2)
    assert Settings().intra_op_threads == 1 and Settings().serve_concurrency == 2
    monkeypatch.setattr("coach.config.os.cpu_count", lambda: 8)
    assert Settings().intra_op_threads is None and Settings().serve_concurrency == 8
    monkeypatch.setenv("COACH_TORCH_THREADS", "3")
    monkeypatch.setenv("COACH_SERVE_CONCURRENCY", "5")
    assert Settings().intra_op_threads == 3 and Settings().serve_concurrency == 5
    monkeypatch.setenv("COACH_TORCH_THREADS", "0")
    with pytest.raises(ValueError):
        Settings()


def test_a_quiet_start_is_not_flagged_by_the_runs_own_load():
    quiet = Report(size="tiny", params={}, seed=7,
                   machine={"cpu_count": 2, "load_avg_before": [0.3, 0.5, 0.6],
                            "load_avg_after": [2.1, 1.2, 0.9]})  # the served load, ours
    assert not quiet.busy and "Busy machine" not in quiet.markdown()
    assert "own load included" in quiet.markdown()


def test_the_serving_sweep_is_opt_in_and_starts_from_the_defaults():
    from types import SimpleNamespace

    from benchmarks.__main__ import add_arguments
    from benchmarks.sweep import combinations

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert "sweep" not in parser.parse_args([]).only + parser.parse_args([]).extra
    assert parser.parse_args(["--with", "sweep"]).extra == ["sweep"]
    bench = SimpleNamespace(settings=SimpleNamespace(intra_op_threads=1, serve_concurrency=2))
    combos = combinations(bench)
    assert combos[0] == (1, 2) and len(combos) == len(set(combos)) == 5
