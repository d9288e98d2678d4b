"""The eval runner on the tiny datasets in evals/tiny/: pass/fail cases, reports, --compare,
thresholds, and the LLM judge with a scripted fake model."""

from __future__ import annotations

import copy
import json
import math

import pytest
from langchain_core.messages import AIMessage

from coach.cli import main
from coach.evals import metrics as m
from coach.evals.claims import plain, sentences
from coach.evals.report import compare, console_table, markdown_report, write_reports
from coach.evals.runner import DEFAULT_DATA, EvalConfig, load_qa, load_safety, run_eval
from coach.testing import ScriptedChatModel

TINY = DEFAULT_DATA / "tiny"
SECTIONS = {
    "Why we created this guide", "The importance of mentorship",
    "Characteristics of mentors and mentees", "Determining your goals",
    "Finding faculty mentors", "Research mentorship", "Peer mentorship", "Resources", "The TL;DR",
}


@pytest.fixture(scope="module")
def tiny_report(coach_instance):
    config = EvalConfig(data_dir=TINY, judge=False, progress=False)
    return run_eval(config, coach=coach_instance)


def _case(report: dict, suite: str, case_id: str) -> dict:
    result = report["suites"][suite]
    if result.get("skipped"):
        pytest.skip(f"{suite} suite unavailable: {result['skipped']}")
    return next(c for c in result["cases"] if c["id"] == case_id)


def test_tiny_qa_case_that_should_pass_passes(tiny_report):
    case = _case(tiny_report, "qa", "tiny-pass")
    assert case["passed"], case["failures"]
    assert case["rank"] and case["rank"] <= 3
    assert case["support"] and all(s["supported"] for s in case["support"])


def test_tiny_qa_case_that_should_fail_fails_with_the_reason(tiny_report):
    case = _case(tiny_report, "qa", "tiny-fail")
    assert not case["passed"]
    assert any(f.startswith("missing principle: Mentions the Apollo 11") for f in case["failures"])
    assert case["answer"]  # the failing answer is kept for the report


def test_tiny_thresholds_fail_only_where_expected(tiny_report):
    rows = {(r["suite"], r["metric"]): r["passed"] for r in tiny_report["thresholds"]}
    assert rows[("qa", "coverage")] is False  # tiny-fail misses on purpose
    assert rows[("qa", "hit@3")] is True
    assert rows[("safety", "crisis_recall")] is True
    assert tiny_report["passed"] is False


def test_tiny_other_suites_pass_and_fail(tiny_report):
    assert all(c["passed"] for c in tiny_report["suites"]["safety"]["cases"])
    assert _case(tiny_report, "email", "tiny-email-pass")["passed"]
    failed = _case(tiny_report, "email", "tiny-email-fail")
    assert failed["failures"] == ["missing fact: 'I have published five papers on adolescent "
                                  "medicine'"]
    assert _case(tiny_report, "rehearsal", "tiny-rehearsal-pass")["passed"]
    wrong = _case(tiny_report, "rehearsal", "tiny-rehearsal-fail")
    assert [f.split(":")[0] for f in wrong["failures"]] == ["criterion direct_ask"]  # gate held


def test_report_files_are_written(tiny_report, tmp_path):
    paths = write_reports(tiny_report, tmp_path / "out")
    assert sorted(p.name for p in paths) == ["report.html", "report.json", "report.md"]
    data = json.loads((tmp_path / "out" / "report.json").read_text(),
                      parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert data["suites"]["qa"]["cases"][0]["id"] == "tiny-pass"
    md = (tmp_path / "out" / "report.md").read_text()
    assert "<!-- summary:start -->" in md and "| qa | coverage | 0.500 | >= 0.900 | FAIL |" in md
    assert "### qa · tiny-fail" in md and "missing principle" in md
    html = (tmp_path / "out" / "report.html").read_text()
    assert "data:image/png;base64,iVBORw0KGgo" in html  # the per-section chart, a PNG
    assert "tiny-fail" in html and "Apollo 11" in html


def test_compare_reports_regressions_improvements_and_deltas(tiny_report):
    previous = copy.deepcopy(tiny_report)
    cases = {c["id"]: c for c in previous["suites"]["qa"]["cases"]}
    cases["tiny-fail"]["passed"] = True
    cases["tiny-pass"]["passed"] = False
    previous["suites"]["qa"]["metrics"]["coverage"] = 1.0
    for row in previous["thresholds"]:
        if (row["suite"], row["metric"]) == ("qa", "coverage"):
            row["passed"] = True
    result = compare(previous, tiny_report)
    assert [c["id"] for c in result["regressed"]] == ["tiny-fail"]
    assert [c["id"] for c in result["improved"]] == ["tiny-pass"]
    delta = next(d for d in result["metrics"] if (d["suite"], d["metric"]) == ("qa", "coverage"))
    assert math.isclose(delta["delta"], -0.5)
    assert {"suite": "qa", "metric": "coverage", "before": True, "after": False} \
        in result["threshold_flips"]
    assert "**Regressed** (1):" in markdown_report(tiny_report, result)
    assert "-0.500" in console_table(tiny_report, result)


def test_cli_eval_writes_reports_compares_and_exits_nonzero(tiny_report, tmp_path, capsys):
    previous = copy.deepcopy(tiny_report)
    for case in previous["suites"]["qa"]["cases"]:
        case["passed"] = True
    prev_path = write_reports(previous, tmp_path / "previous")[0]  # its report.json
    out = tmp_path / "eval-out"
    code = main(["eval", "--data", str(TINY), "--suite", "qa", "--out", str(out),
                 "--compare", str(prev_path), "--no-progress"])
    assert code == 1  # qa coverage misses its tiny threshold
    printed = capsys.readouterr().out
    assert "regressed: qa tiny-fail" in printed
    assert "coverage" in printed and "FAIL" in printed
    assert {p.name for p in out.iterdir()} == {"report.json", "report.md", "report.html"}


@pytest.mark.parametrize("argv", [["eval", "--suite", "qa,bogus"],
                                  ["eval", "--compare", "missing.json"],
                                  ["eval", "--data", "no-such-dir"]])
def test_cli_rejects_bad_arguments(argv):
    assert main(argv) == 2


def test_judge_scores_beside_deterministic_metrics(coach_instance):
    fake = ScriptedChatModel('{"score": 4, "reason": "States it clearly."}',
                             "Score: 2. The answer never mentions it.")
    config = EvalConfig(data_dir=TINY, suites=("qa",), explicit_suites=True, progress=False)
    report = run_eval(config, coach=coach_instance, judge_llm=fake)
    qa = report["suites"]["qa"]
    judged = {c["id"]: c["judge"] for c in qa["cases"]}
    assert [j["score"] for j in judged["tiny-pass"]] == [4]
    assert judged["tiny-fail"][0]["score"] == 2
    assert judged["tiny-fail"][0]["principle"].startswith("Mentions the Apollo 11")
    assert qa["metrics"]["judge_mean"] == 3.0
    assert qa["metrics"]["coverage"] == 0.5  # the judge never replaces the regex coverage
    assert report["judge"] is True


def test_judge_failure_is_recorded_not_fatal():
    class Broken:
        def invoke(self, messages):
            raise TimeoutError("slow")

    verdicts = m.judge_answer(Broken(), "q?", "answer", ["a principle"], ["passage"])
    assert verdicts == [{"principle": "a principle", "score": None,
                         "reason": "judge failed: TimeoutError"}]


@pytest.mark.parametrize("reply,score", [
    ('{"score": 5, "reason": "ok"}', 5),
    ('```json\n{"score": 3, "reason": "partly"}\n```', 3),
    ("score: 1 - absent", 1),
    ('{"score": 9}', None),
    ("no idea", None),
])
def test_parse_judgement(reply, score):
    assert m.parse_judgement(reply)["score"] == score


def test_judge_prompt_renders_every_input():
    from coach.prompts import render

    text = render("judge", question="Q?", answer="A.", principle="Be persistent",
                  passages=["Reach out multiple times."])
    assert "Be persistent" in text and "[1] Reach out multiple times." in text
    assert '"score"' in text


ANSWER = """Here's what the AMWA guide suggests:

- Be organized and persistent: Show up with an agenda as the mentee; Respond to emails promptly.
- The moon is made of cheese and every mentor must meet you weekly.

*From the guide: The TL;DR; Resources.*"""


def test_claims_exclude_opener_and_citation_line():
    claims = m.answer_claims(ANSWER)
    assert claims[0].startswith("Be organized and persistent")
    assert len(claims) == 2 and not any("From the guide" in c or "suggests" in c for c in claims)
    assert m.cited_sections(ANSWER) == ["The TL;DR", "Resources"]
    assert m.citation_problems(ANSWER, ["The TL;DR"]) == ["cites 'Resources', which was not "
                                                          "retrieved"]
    assert m.citation_problems("See [3].", ["A", "B"]) == ["cites [3] but only 2 passages were "
                                                           "given"]


def test_grounder_supports_quotes_and_rejects_inventions():
    from coach.embeddings import get_embeddings

    source = ("2. Be organized and persistent\n   - a. Show up with an agenda as the mentee\n"
              "   - b. Respond to emails promptly\n")
    support = m.Grounder(get_embeddings(), 0.75).support(m.answer_claims(ANSWER), [source])
    assert support[0]["score"] == 1.0 and support[0]["supported"]
    assert not support[1]["supported"]


def test_threshold_checks():
    suites = {"qa": {"metrics": {"hit@3": 0.9, "coverage": float("nan")}},
              "email": {"skipped": "coach.email.drafting is not installed"}}
    rows = m.check_thresholds(suites, {"qa": {"hit@3": {"min": 0.9}, "coverage": {"min": 0.5}},
                                       "email": {"pass_rate": {"min": 1.0}}})
    assert [r["passed"] for r in rows] == [True, False, None]


def test_shipped_datasets_are_valid_and_broad():
    qa = load_qa(DEFAULT_DATA / "qa.yaml")
    assert len(qa.cases) >= 60
    assert {c.sections[0] for c in qa.cases} >= SECTIONS  # every section leads some questions
    rows = load_safety(DEFAULT_DATA / "safety.yaml")
    own = [r for r in rows if r["origin"] == "safety.yaml"]
    assert len(own) >= 30
    assert {r["kind"] for r in own} == {"ok", "crisis", "out_of_scope", "injection"}
    assert any(r["origin"] == "safety_dev.yaml" for r in rows)  # included by reference


def test_llm_engine_answers_are_scored_as_prose_with_inline_citations(coach_instance):
    from coach.ask.answer import Coach

    # The "LLM" restates sentences of the passage actually retrieved first, citing it as [1].
    hits, _ = coach_instance.retrieve("how do I find a research mentor?")
    body = plain(hits[0].page_content.removeprefix(hits[0].metadata["heading_trail"]))
    said = [s for s in sentences(body) if len(s.split()) >= 8][:3]
    fake = ScriptedChatModel(*[
        AIMessage(content="On finding a research mentor, the guide says:\n\n"
                          + " ".join(f"{s.rstrip('.')} [1]." for s in said)
                          + " Most labs pay students twenty dollars an hour for data entry [1]."),
        AIMessage(content="Sponsorship means someone puts your name forward for advancement [1]. "
                          "The Apollo 11 crew landed on the moon in July 1969 [12]."),
    ])
    llm_coach = Coach(coach_instance.settings, coach_instance.retriever, llm=fake)
    config = EvalConfig(engine="llm", data_dir=TINY, suites=("qa",), explicit_suites=True,
                        judge=False, progress=False)
    cases = {c["id"]: c for c in run_eval(config, coach=llm_coach)["suites"]["qa"]["cases"]}
    passed = cases["tiny-pass"]
    assert [s["supported"] for s in passed["support"]] == [True] * len(said) + [False]
    assert passed["words"] >= 40 and not passed["citation_problems"]
    failures = cases["tiny-fail"]["failures"]
    assert any(f.startswith("citation: cites [12]") for f in failures)
    assert any(f.startswith("unsupported") and "Apollo 11" in f for f in failures)
    assert not any(f.startswith("missing principle") for f in failures)  # it did say Apollo 11
