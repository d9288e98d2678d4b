"""The runtime grounding guard with the real local embedder: sentence splitting, named things,
per-sentence verdicts, held-back streaming, and the Coach hook (fake chat model)."""

from __future__ import annotations

import pytest

from coach.ask.answer import Coach
from coach.config import Settings
from coach.grounding import GroundingGuard, GuardedStream
from coach.grounding.names import unknown_things
from coach.grounding.sentences import complete_units, split_units
from coach.testing import ScriptedChatModel

PASSAGES = [
    "Be prepared. Research your mentor beforehand to come up with an idea of what they are "
    "already doing that you would like to learn more about.\n- Reach out with a respectful and "
    "professional tone.\n- Discuss how frequently you want to meet with them.",
    "Remember: If they say no, don't take it personally; it may have to do with their schedule "
    "and their timing.",
]
QUESTION = "How should I approach a faculty member about mentoring me?"
GROUNDED = ("Research your mentor beforehand so you know what they are already doing [1]. "
            "Reach out with a respectful, professional tone [1]. ")
INVENTED = "Join the National Institute of Biomedical Research (NIBR) on LinkedIn. "


@pytest.fixture(scope="module")
def guard():
    from coach.embeddings import get_embeddings

    return GroundingGuard(get_embeddings("all-MiniLM-L6-v2"))


def test_units_rebuild_the_text_and_keep_citations_with_their_sentence():
    text = "Dr. Lee said hi [1]. Next one [2][3] ok!\n- item one\n- item two [4]\n\nLast"
    units = split_units(text)
    assert "".join(u.text + u.sep for u in units) == text
    assert [u.text for u in units][:2] == ["Dr. Lee said hi [1].", "Next one [2][3] ok!"]
    done, rest = complete_units("Talk to them. [")  # a citation may still follow
    assert done == [] and rest == "Talk to them. ["
    done, rest = complete_units("Talk to them. [2] Then")
    assert [u.text for u in done] == ["Talk to them. [2]"] and rest == "Then"


def test_invented_names_figures_and_links_are_found():
    known = " ".join(PASSAGES) + " " + QUESTION
    allowed = frozenset({"amwa"})
    assert unknown_things(INVENTED, known, allowed) == [
        "National Institute of Biomedical Research", "NIBR", "LinkedIn"]
    assert unknown_things("Try www.reddit.com, 80% of students do.", known, allowed) == [
        "www.reddit.com", "80%"]
    assert unknown_things("The AMWA guide says Research your mentor.", known, allowed) == []
    # A name the student used is theirs to mention.
    assert unknown_things("Email Dr. Okafor first.", known + " Dr. Okafor", allowed) == []


def test_verdicts_per_sentence(guard):
    ctx = guard.context(PASSAGES, QUESTION)
    good = ctx.check("Research your mentor beforehand so you know what they are doing [1].")
    assert good.kind == "claim" and good.supported and good.best_passage == 1
    invented = ctx.check(INVENTED.strip())
    assert not invented.supported and "NIBR" in invented.unknown
    off_topic = ctx.check("Make sure to drink plenty of water and sleep eight hours a night.")
    assert not off_topic.supported and off_topic.similarity < guard.settings.support_threshold
    wrong_cite = ctx.check("If they say no, don't take it personally [1].")
    assert not wrong_cite.supported and wrong_cite.bad_citations == [1]
    missing_cite = ctx.check("If they say no, don't take it personally [7].")
    assert missing_cite.bad_citations == [7]
    assert ctx.check("Here are some tips:").kind == "filler"


def test_stream_never_shows_an_unsupported_sentence(guard):
    stream = GuardedStream(guard.context(PASSAGES, QUESTION))
    text = GROUNDED + INVENTED + "If they say no, don't take it personally [2]."
    shown = [stream.feed(word + " ") for word in text.split(" ")]
    assert all("NIBR" not in s and "LinkedIn" not in s for s in shown)
    assert shown[2] == ""  # the first sentence is held back until it is complete
    final, report = stream.result()
    assert "Research your mentor" in final and "personally [2]." in final
    assert "NIBR" not in final and "left out" in final
    assert report.claims == 4 and report.kept == 3 and report.dropped == 1 and report.enough
    assert report.counts()["unknown_names"] == 1


def test_too_little_left_is_not_enough(guard):
    stream = GuardedStream(guard.context(PASSAGES, QUESTION))
    stream.feed(INVENTED + "Also post on Reddit and ask 25 strangers for advice daily.")
    final, report = stream.result()
    assert final == "" and not report.enough and report.kept == 0


def grounded_coach(coach_instance, reply: str) -> Coach:
    settings = Settings(llm_grounding=True, openai_api_key="sk-test")
    coach = Coach(settings, coach_instance.retriever,
                  llm=ScriptedChatModel(reply))
    coach.guide = coach_instance.guide
    return coach


def test_coach_drops_invented_sentences_and_reports_them(coach_instance):
    question = "How should I reach out to a potential faculty mentor?"
    hits, _ = coach_instance.retrieve(question)
    first = [ln for ln in hits[0].page_content.splitlines() if len(ln.split()) > 8][0]
    reply = f"{first.lstrip('- ')} [1] {INVENTED}"
    coach = grounded_coach(coach_instance, reply)
    answers = list(coach.stream(question))
    assert all("NIBR" not in a.answer for a in answers)
    final = answers[-1]
    assert final.engine == "llm" and "left out" in final.answer
    data = final.public()
    verdicts = [v["supported"] for v in data["grounding"]["verdicts"]]
    assert verdicts[-1] is False and all(verdicts[:-1]) and data["grounding"]["dropped"] == 1


def test_coach_falls_back_to_the_guide_when_nothing_is_grounded(coach_instance):
    coach = grounded_coach(coach_instance, INVENTED + "Post on Reddit every day for 30 days.")
    final = coach.ask("How should I reach out to a potential faculty mentor?")
    assert final.engine == "guide" and "guide engine" in final.notice
    assert final.grounding is not None and final.grounding.kept == 0
    assert "NIBR" not in final.answer


def test_eval_counts_the_runtime_guard(coach_instance):
    from pathlib import Path

    from coach.evals.runner import EvalConfig, run_eval

    hits, _ = coach_instance.retrieve("how do I find a research mentor?")
    line = [ln for ln in hits[0].page_content.splitlines() if len(ln.split()) > 8][0]
    replies = [f"{line.lstrip('- ')} [1] {INVENTED}", INVENTED + "Post on Reddit 30 times."]
    coach = grounded_coach(coach_instance, replies[0])
    coach.llm_engine.llm.rescript(*replies)
    tiny = Path(__file__).resolve().parents[2] / "evals" / "tiny"
    config = EvalConfig(engine="llm", data_dir=tiny,
                        suites=("qa",), explicit_suites=True, judge=False, progress=False)
    metrics = run_eval(config, coach=coach)["suites"]["qa"]["metrics"]
    assert metrics["grounding_answers"] == 2 and metrics["grounding_caught"] >= 3
    assert metrics["grounding_fallbacks"] == 0.5 and 0 < metrics["grounding_kept"] < 1


RECORDED_CAUGHT_FLOOR = 0.75  # 190/245 = 0.776 when written (issue 13 settings)
RECORDED_KEPT_FLOOR = 0.65  # 38/55 = 0.691 (repeats of a supported sentence are dropped)
KEPT_FLOOR = 0.88  # the test figure was 0.906 before and after the content-word rules


def test_guard_keeps_the_blind_test_sets_supported_paraphrases(coach_instance, guard):
    """Held-out figure (aggregate only): key-point paraphrases written by the blind test-set
    authors, through the full sentence check (similarity, names, novelty, resource, repeat and
    voice rules) against their question's retrieved passages. Dev: 0.870; test: 0.906."""
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "evals" / "grounding"
    sys.path.insert(0, str(root))
    try:
        from calibrate import QA_LIMIT, TEST_QA, kept_paraphrases
    finally:
        sys.path.remove(str(root))
    kept, total = kept_paraphrases(coach_instance, guard, TEST_QA, QA_LIMIT)
    assert total >= 150 and kept / total >= KEPT_FLOOR


def test_fluent_sentences_in_the_guides_words_that_it_never_says_are_caught(guard):
    """Seen with SmolLM2 (evals/grounding/): similarity alone passed all of these."""
    passages = ["Peer mentors can enhance your journey as a medical student. Upperclassmen "
                "can share advice on study habits, courses and balance.",
                "A mentor is someone who helps you grow personally and professionally."]
    ctx = guard.context(passages, "How do I pick an upperclassman to ask for study advice?")
    for invented in ["Use online platforms that specialize in peer mentorship.",
                     "Visit a mentorship program that specializes in peer mentorship.",
                     "A mentor is a professional relationship that is not a professional "
                     "relationship.",
                     "I'm so glad you reached out to me about your mentorship."]:
        verdict = ctx.check(invented)
        assert not verdict.supported, invented
    kept = ctx.check("Upperclassmen can share advice on study habits and balance.")
    assert kept.supported, kept.reasons


def test_recorded_smollm2_answers_ungrounded_sentences_are_caught(coach_instance, guard, request):
    """The real SmolLM2 answers in evals/grounding/ (hand-labelled), through the streaming
    guard: counted in the test log. Calibration figures: see evals/grounding/calibration.txt."""
    from pathlib import Path

    import yaml

    from coach.grounding import guard_text

    root = Path(__file__).resolve().parents[2] / "evals" / "grounding"
    caught = bad = kept = good = checked = answers = 0
    for path in sorted(root.glob("smollm2_*.yaml")):
        for answer in yaml.safe_load(path.read_text()):
            hits, _ = coach_instance.retrieve(answer["question"])
            label = {u["sentence"]: u.get("label") for u in answer["units"]}
            ctx = guard.context([h.page_content for h in hits], answer["question"])
            shown, report = guard_text(ctx, answer["raw"])
            answers += 1
            checked += report.claims
            for v in report.verdicts:
                if label.get(v.sentence) == "unsupported" and v.kind == "claim":
                    bad, caught = bad + 1, caught + (not v.supported)
                elif label.get(v.sentence) == "supported" and v.kind == "claim":
                    good, kept = good + 1, kept + v.supported
            passed = {v.sentence for v in report.verdicts if v.supported}
            assert all(u.text.strip() in passed or u.text.strip() == report.note
                       for u in split_units(shown))  # nothing unchecked is shown
    line = (f"grounding (recorded SmolLM2 answers): {checked} sentences checked in {answers} "
            f"answers; labelled unsupported caught {caught}/{bad}, labelled supported kept "
            f"{kept}/{good}")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\n{line}", flush=True)
    assert bad >= 200 and caught / bad >= RECORDED_CAUGHT_FLOOR
    assert kept / good >= RECORDED_KEPT_FLOOR
