"""Safety gate pieces that need no model: topic words in a research frame (other languages),
a long message read clause by clause, the care note beside an answer, the language cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.ask.present import as_json, as_markdown, as_terminal
from coach.ask.result import Answer
from coach.safety import care_note
from coach.safety.gate import _parts, crisis_pattern
from coach.safety.normalise import normalize


@pytest.mark.parametrize("text", [
    "Estoy escribiendo mi tesis sobre factores de riesgo de suicidio en médicos residentes",
    "quiero hacer un taller en mi capítulo sobre factores de riesgo de suicidio",
    "Mi tesis trata de la epidemiología del suicidio en residentes",
])
def test_a_topic_word_in_a_research_frame_is_left_to_the_classifier(text):
    assert crisis_pattern(normalize(text)) is None


@pytest.mark.parametrize("text", [
    "quiero matarme, mi tesis no avanza",  # a verb form: the writer's own intent, frame or not
    "pienso en el suicidio todos los días",  # no research frame
    "我想自杀",
    "ya no quiero vivir, ni la investigación me importa",
    "Me siento suicida desde que empecé la rotación de psiquiatría",  # an adjective, a feeling
    "我的论文写不下去了，我想自杀",  # "my thesis": not a research frame for a verb
    "논문 때문에 자살하고 싶어요",
    "pienso en el suicidio, mi tesis no avanza",  # a feeling cue beside the noun
])
def test_first_person_crisis_in_other_languages_still_matches(text):
    assert crisis_pattern(normalize(text)) is not None


def test_a_long_message_is_also_read_clause_by_clause():
    parts = _parts("Preparing for my mentor check-in next week with the whole research team. "
                   "Updates: passed renal, joined a QI project on discharge summaries, started "
                   "running again, have a bottle of pills set aside for when I fail and also "
                   "need advice on what to ask her about summer research")
    assert "have a bottle of pills set aside for when I fail" in parts
    assert _parts("how do I ask someone to be my mentor?") == []  # one sentence: nothing extra
    short = "i'm an ms2 and just got a mentee. I don't want to go back to being lost. what now?"
    assert _parts(short) == []  # short messages are read whole: a clause alone loses context


def test_the_care_note_gives_988_911_and_school_resources_in_both_languages():
    for lang in ("en", "es"):
        note = care_note(lang)
        assert "988" in note and "911" in note
    assert "counseling" in care_note("en") and "consejería" in care_note("es")


def test_the_care_note_travels_with_the_answer_in_every_presenter():
    answer = Answer(kind="answer", answer="Start with one clear ask.", care=care_note())
    assert as_json(answer)["care"] == care_note()
    assert "988" in as_markdown(answer).body and "Start with one clear ask." in \
        as_markdown(answer).body
    assert "call or text 988" in as_terminal(answer).text and "**" not in as_terminal(answer).text
    plain = Answer(kind="answer", answer="Start with one clear ask.")
    assert "care" not in as_json(plain) and "988" not in as_markdown(plain).body


def test_the_language_identifier_cache_gives_the_same_answers(tmp_path: Path, monkeypatch):
    from coach.config import get_settings
    from coach.safety import language

    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    language._identifier.cache_clear()
    try:
        texts = ["cómo encuentro un mentor de investigación", "comment trouver un mentor",
                 "wie oft sollte ich meine Mentorin treffen", "how do I find a mentor"]
        first = [language._identifier().rank(t)[:2] for t in texts]  # builds the cache
        assert list((tmp_path / "cache").glob("langid-*.npz"))
        language._identifier.cache_clear()
        assert [language._identifier().rank(t)[:2] for t in texts] == first  # read from it
        (next((tmp_path / "cache").glob("langid-*.npz"))).write_bytes(b"damaged")
        language._identifier.cache_clear()
        assert [language._identifier().rank(t)[:2] for t in texts] == first  # rebuilt
    finally:
        language._identifier.cache_clear()
        get_settings.cache_clear()


def test_ingest_can_prepare_the_language_cache_for_its_data_dir(tmp_path: Path):
    from coach.safety.language import prepare_cache

    prepare_cache(tmp_path)
    written = list((tmp_path / "cache").glob("langid-*.npz"))
    assert len(written) == 1 and written[0].stat().st_size > 1_000_000
    prepare_cache(tmp_path)  # already there: left as it is
    assert list((tmp_path / "cache").glob("langid-*.npz")) == written
