"""Advice cards: format validation, verbatim passages, incremental indexing, intent reading,
and composed answers over the real index (real embedder, embedded Chroma)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings
from langchain_core.embeddings import DeterministicFakeEmbedding
from langchain_core.language_models import ParrotFakeChatModel

from coach.ask.answer import Coach
from coach.ask.cards.compose import EMPATHY
from coach.ask.cards.intent import read_intent
from coach.ask.cards.matching import sync_cards
from coach.ask.cards.model import load_cards, normalise
from coach.config import REPO_ROOT
from coach.errors import InputError

KNOWLEDGE = REPO_ROOT / "knowledge"
GUIDE = KNOWLEDGE / "amwa-medical-student-mentorship-guide.md"
CARD = """source: guide.md
cards:
  - id: multiple-mentors
    section: The importance of mentorship
    audience: mentee
    answer: "Build a team of mentors."
    points:
      - say: "Several mentors help."
        quote: "{quote}"
    next_step: "List your goals."
    questions: ["how many mentors?", "is one enough?", "more than one mentor?", "a team?"]
"""
QUOTE = ("Rather than relying on one person, it can be helpful to have multiple mentors to "
         "advise you on different aspects of your life and career.")


def card_dir(tmp_path: Path, text: str) -> Path:
    (tmp_path / "cards").mkdir(exist_ok=True)
    shutil.copy(GUIDE, tmp_path / "guide.md")
    (tmp_path / "cards" / "a.yaml").write_text(text, encoding="utf-8")
    return tmp_path


# --- format -----------------------------------------------------------------------------------


def test_repo_cards_load_and_every_passage_is_verbatim_in_the_guide():
    cards = load_cards(KNOWLEDGE)
    guide = normalise(GUIDE.read_text(encoding="utf-8"))
    assert len(cards) >= 50
    assert {c.section for c in cards} >= {
        "Why we created this guide", "The importance of mentorship",
        "Characteristics of mentors and mentees", "Determining your goals",
        "Finding faculty mentors", "Research mentorship", "Peer mentorship", "Resources",
        "The TL;DR"}
    for card in cards:
        assert all(normalise(p.quote) in guide for p in card.points), card.id
        assert len(card.questions) >= 4


def test_a_verbatim_card_loads_even_with_extra_whitespace(tmp_path):
    spaced = QUOTE.replace("one person,", "one   person,\n       ")
    cards = load_cards(card_dir(tmp_path, CARD.format(quote=spaced)))
    assert [c.id for c in cards] == ["multiple-mentors"]


def test_a_paraphrased_passage_is_rejected_naming_file_card_and_field(tmp_path):
    text = CARD.format(quote=QUOTE.replace("it can be helpful", "you must"))
    with pytest.raises(InputError) as err:
        load_cards(card_dir(tmp_path, text))
    message = str(err.value)
    assert "a.yaml" in message and "multiple-mentors" in message
    assert "cards.0.points.0.quote" in message and "not verbatim" in message


def test_a_bad_field_is_named(tmp_path):
    text = CARD.format(quote=QUOTE).replace("audience: mentee", "audience: dean")
    with pytest.raises(InputError, match=r"a\.yaml: card 'multiple-mentors' field "
                                         r"cards\.0\.audience"):
        load_cards(card_dir(tmp_path, text))


def test_duplicate_card_ids_are_rejected(tmp_path):
    folder = card_dir(tmp_path, CARD.format(quote=QUOTE))
    shutil.copy(folder / "cards" / "a.yaml", folder / "cards" / "b.yaml")
    with pytest.raises(InputError, match="duplicate card id"):
        load_cards(folder)


# --- incremental indexing ---------------------------------------------------------------------


def test_card_vectors_are_embedded_once_and_only_changed_texts_again(tmp_path):
    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
    emb = DeterministicFakeEmbedding(size=16)
    cards = load_cards(card_dir(tmp_path, CARD.format(quote=QUOTE)))
    first = sync_cards(client, "t-sync", emb, cards)
    assert first == 4 + 1 + 1  # questions, card text, one point
    assert sync_cards(client, "t-sync", emb, cards) == 0
    cards[0].questions[0] = "how many mentors do people have?"
    cards[0].questions.pop()
    assert sync_cards(client, "t-sync", emb, cards) == 1  # the changed question only
    assert client.get_collection("t-sync.cards").count() == 3 + 1 + 1


# --- intent -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "field", "expected"), [
    ("is it weird to email a professor twice?", "yes_no", True),
    ("so should i just give up on her", "yes_no", True),
    ("how do I find a research mentor?", "yes_no", False),
    ("I failed my exam and feel awful, who do I talk to?", "distress", True),
    ("how often should I meet my mentor?", "distress", False),
    ("my mentee keeps missing deadlines, what do I do?", "audience", "mentor"),
    ("what should I expect from my mentor?", "audience", "mentee"),
    ("can you help me write an email to a PI?", "write_request", True),
    ("what should a first email to a mentor include?", "write_request", False),
])
def test_intent(question, field, expected):
    assert getattr(read_intent(question), field) == expected


# --- answers over the real index -------------------------------------------------------------


def bullets(text: str) -> list[str]:
    return [ln[2:] for ln in text.splitlines() if ln.startswith("- ")]


def test_card_answer_shape_sources_and_citation(coach_instance):
    answer = coach_instance.ask("how many mentors should I actually have?")
    lines = answer.answer.splitlines()
    assert "team" in lines[0].lower() or "mentor" in lines[0].lower()
    assert 2 <= len(bullets(answer.answer)) <= 4
    assert "**Next step:**" in answer.answer
    assert re.search(r"\*From the guide: [^*]*The importance of mentorship", answer.answer)
    guide = normalise(GUIDE.read_text(encoding="utf-8"))
    assert len(answer.sources) == len(bullets(answer.answer))
    assert all(normalise(s.text) in guide for s in answer.sources)
    assert len(answer.answer.split()) <= 130


def test_yes_no_questions_get_a_verdict_first(coach_instance):
    answer = coach_instance.ask("is it annoying to email again if my mentor never replied?")
    assert re.match(r"(Yes|No|Short answer|It's normal|It depends)", answer.answer)


def test_empathy_only_when_upset_and_not_repeated_on_a_calm_next_turn(coach_instance):
    upset = "I failed my shelf exam and I feel like a complete failure, who do I even talk to?"
    first = coach_instance.ask(upset)
    assert re.search(r"sorry|sounds really hard|understandable", first.answer.splitlines()[0])
    calm = coach_instance.ask("ok, and how often should we meet after that?",
                              history=[{"role": "user", "content": upset},
                                       {"role": "assistant", "content": first.answer}])
    neutral = coach_instance.ask("how often should I meet with my mentor?")
    for answer in (calm, neutral):
        assert not re.search(r"sorry|sounds really hard|understandable", answer.answer)


def test_follow_up_moves_on_without_repeating_points(coach_instance):
    first_q = "how do I find a mentor?"
    first = coach_instance.ask(first_q)
    follow = coach_instance.ask("what about for research?",
                                history=[{"role": "user", "content": first_q},
                                         {"role": "assistant", "content": first.answer}])
    assert not set(bullets(follow.answer)) & set(bullets(first.answer))
    assert "Research mentorship" in {s.section for s in follow.sources}


def test_write_request_hands_over_to_the_email_drafter(coach_instance):
    question = "can you help me write an email to a PI whose lab studies sepsis?"
    answer = coach_instance.ask(question)
    assert answer.handoff is not None and answer.handoff.kind == "research"
    assert answer.handoff.context == question
    assert "email drafter" in answer.answer
    assert answer.public()["handoff"]["tool"] == "email"
    assert "handoff" not in coach_instance.ask("how often should I meet my mentor?").public()
    assert answer.handoff.prefill is None  # no field named: the generic hand-over
    named = coach_instance.ask("can you write an email to dr. gupta? he's a cardiologist who "
                               "does heart failure research and i want to join his lab")
    assert named.handoff is not None and named.handoff.prefill is not None
    assert named.public()["handoff"]["prefill"]["field"] == "cardiology"
    assert "can start a research email with their field (cardiology); add their name" in \
        named.answer


def test_a_write_request_leads_with_the_card_for_that_kind_of_email(coach_instance):
    answer = coach_instance.ask("please draft a short thank you email to the PI who let me join "
                                "her lab. she spent an hour with me yesterday")
    thanks = next(c for c in coach_instance.cards.cards.values() if "thank_you" in c.drafts)
    assert answer.handoff is not None and answer.handoff.kind == "thank_you"
    assert answer.answer.startswith(thanks.answer)


def test_a_follow_up_write_request_keeps_the_kind_asked_about_before():
    from coach.ask.cards.answer import question_intent

    history = [{"role": "user", "content": "how do I write to a PI about joining their lab?"},
               {"role": "assistant", "content": "..."}]
    assert question_intent("ok can you actually draft it? Dr. Lin, neuro-oncology",
                           history).email_kind == "research"
    assert question_intent("can you draft it? Dr. Lin, neuro-oncology", []).email_kind == "faculty"


def test_a_write_request_naming_its_own_email_does_not_inherit_the_kind():
    """Found in review: an unrelated short write request took the previous question's kind."""
    from coach.ask.cards.answer import question_intent

    thanks = [{"role": "user", "content": "how do I thank my mentor after a great meeting?"},
              {"role": "assistant", "content": "..."}]
    assert question_intent("draft an intro email to a faculty member",
                           thanks).email_kind == "faculty"
    chasing = [{"role": "user", "content": "how do I follow up with a PI who never replied?"},
               {"role": "assistant", "content": "..."}]
    assert question_intent("write an email asking Dr. Chen to mentor me",
                           chasing).email_kind == "faculty"
    assert question_intent("ok can you draft that one for me?", chasing).email_kind == "follow_up"


def test_uncovered_questions_get_an_honest_redirect(coach_instance):
    answer = coach_instance.ask("which apartments near the hospital are cheapest for third year?")
    # the safety gate may already call it out of scope; either way it is said plainly
    assert ("doesn't cover" in answer.answer and "Here's what I can help with" in answer.answer) \
        or (answer.kind == "redirect" and "I can help with mentorship" in answer.answer)
    assert answer.sources == []
    covered = coach_instance.ask("my mentor ghosted me after our first meeting, now what?")
    assert "doesn't cover" not in covered.answer


def test_mentor_side_questions_get_mentor_advice(coach_instance):
    answer = coach_instance.ask("I'm mentoring an MS1 this year, how often should we meet?")
    ids = {c.id for c in coach_instance.cards.cards.values()
           if any(p.quote == s.text for p in c.points for s in answer.sources)}
    audiences = {coach_instance.cards.cards[i].audience for i in ids}
    assert audiences <= {"mentor", "both"} and "mentor" in audiences


def test_llm_engine_reads_the_matched_cards_and_their_passages(coach_instance):
    coach = Coach(coach_instance.settings, coach_instance.retriever, llm=ParrotFakeChatModel(),
                  cards=coach_instance.cards)
    answer = coach.ask("how many mentors should I have?", engine="llm")
    assert answer.engine == "llm"
    card = coach_instance.cards.cards["multiple-mentors"]
    assert card.points[0].quote in answer.answer  # the parrot echoes the context it was given
    assert answer.sources[0].section == card.section


def test_llm_engine_reads_hurried_typing_as_meant(coach_instance):
    """The LLM path matches cards on the line as meant, as the guide engine does."""
    coach = Coach(coach_instance.settings, coach_instance.retriever, llm=ParrotFakeChatModel(),
                  cards=coach_instance.cards)
    typed = coach.ask("how mny mentrs shoud i hav?", engine="llm")
    card = coach_instance.cards.cards["multiple-mentors"]
    assert typed.engine == "llm" and card.points[0].quote in typed.answer
    assert typed.sources[0].section == card.section


def test_llm_engine_reads_the_card_for_the_kind_of_email_first(coach_instance):
    from coach.ask.cards.answer import card_context

    question = ("please draft a short thank you email to the PI who let me join her lab. she "
                "spent an hour with me yesterday")
    vector = coach_instance.retriever.store.embeddings.embed_query(question)
    docs = card_context(coach_instance, question, vector, [])
    assert "thank_you" in coach_instance.cards.cards[docs[0].metadata["card"]].drafts


# --- a chapter's own documents: with and without cards ------------------------------------

CHAPTER_A = """# Chapter handbook

## Mentoring night

Our chapter holds a mentoring night every October in the student lounge. Sign up with the
chapter secretary by the end of September so we can pair you with a resident.
"""
CHAPTER_B = """# Chapter travel fund

## Conference travel grants

The chapter travel fund pays up to half of the registration fee for a national conference.
Apply to the treasurer with your abstract acceptance letter at least six weeks before you travel.
"""
CHAPTER_CARD = """source: handbook.md
cards:
  - id: mentoring-night
    section: Mentoring night
    audience: mentee
    answer: "Come to the chapter's mentoring night in October."
    points:
      - say: "It happens every October in the student lounge."
        quote: "Our chapter holds a mentoring night every October in the student lounge."
      - say: "Sign up with the secretary by the end of September to be paired with a resident."
        quote: "Sign up with the chapter secretary by the end of September so we can pair you
          with a resident."
    next_step: "Email the chapter secretary this week."
    questions: ["when is the chapter mentoring night?", "how do I get paired with a resident?",
                "is there a mentoring event this fall?", "how do I sign up for mentoring night?"]
"""


def test_documents_without_cards_still_get_the_extractive_answer(tmp_path, monkeypatch):
    from coach.config import Settings

    knowledge = tmp_path / "knowledge"
    (knowledge / "cards").mkdir(parents=True)
    (knowledge / "handbook.md").write_text(CHAPTER_A, encoding="utf-8")
    (knowledge / "travel.md").write_text(CHAPTER_B, encoding="utf-8")
    (knowledge / "cards" / "handbook.yaml").write_text(CHAPTER_CARD, encoding="utf-8")
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    coach = Coach.from_settings(Settings())
    carded = coach.ask("how do I sign up to get paired with a resident at mentoring night?")
    assert carded.answer.startswith("Come to the chapter's mentoring night")
    assert carded.sources[0].text.startswith("Our chapter holds") or \
        carded.sources[0].text.startswith("Sign up with")
    extractive = coach.ask("does the chapter travel fund pay for conference registration?")
    assert "half of the registration fee" in extractive.answer
    assert extractive.sources[0].source == "travel.md"


def test_questions_built_around_a_topic_the_guide_never_addresses_are_off_topic():
    from coach.ask.cards.topics import off_topic

    knowledge = Path(__file__).resolve().parents[2] / "knowledge"
    assert off_topic("how do I apply for an away rotation through VSLO?", knowledge)
    assert off_topic("is PSLF worth planning around for peds?", knowledge)
    assert off_topic("can you write my ERAS experiences section?", knowledge)
    # about mentoring itself: read against the cards as usual
    assert not off_topic("can my mentor help me with my ERAS application?", knowledge)
    assert not off_topic("how many mentors should I have?", knowledge)
    # immigration and work authorization, even beside a mentor (a new user's F-1 question got a
    # card answer); "opt" the verb is not OPT
    assert off_topic("im on an F-1 visa, can i do a paid research job with my mentor?", knowledge)
    assert off_topic("does OPT let me work in my mentor's lab after graduation?", knowledge)
    assert not off_topic("should I opt for a research mentor or a clinical one?", knowledge)


def test_the_question_after_a_turn_of_topic_is_the_one_answered(coach_instance):
    """A new user's aside about a shelf exam sent "anyway how do i ask an attending for
    research" to academic support."""
    from coach.ask.cards.topics import asked_part

    assert asked_part("this shelf exam is killing me lol. anyway how do i ask a PI") == \
        "how do i ask a PI"
    assert asked_part("btw thanks") == "btw thanks"  # too little after the turn: all of it
    for whole in ("what's the point of this guide anyway? who is it for?",  # not a turn
                  "should i email him anyway even though he hasnt replied"):
        assert asked_part(whole) == whole
    answer = coach_instance.ask("this shelf exam is going to kill me lol. anyway how do i ask an "
                                "attending for research without seeming like im only using them")
    assert "doesn't cover" not in answer.answer and answer.sources
    assert "Research mentorship" in {s.section for s in answer.sources}


def test_an_off_topic_question_gets_the_honest_redirect(coach_instance):
    answer = coach_instance.ask("how do I refinance my loans after graduation?")
    # the safety gate's scope redirect or the cards' honest "doesn't cover": both admit it
    assert answer.kind == "redirect" or "doesn't cover" in answer.answer
    assert not answer.sources


def test_a_revision_of_the_draft_just_asked_for_is_a_write_request():
    from coach.ask.cards.intent import revises_draft

    history = [{"role": "user", "content": "can you write me an email to ask Dr. Lee to meet?"},
               {"role": "assistant", "content": "..."}]
    assert revises_draft("can you make it shorter and add that I'm free tuesdays?", history)
    assert not revises_draft("make it shorter", [])
    assert not revises_draft("how often should we meet?", history)


def test_make_it_shorter_cuts_the_last_answer_down(coach_instance):
    """A new user asked for a shorter answer and got a longer, new one."""
    question = "how do I find a research mentor?"
    first = coach_instance.ask(question)
    history = [{"role": "user", "content": question},
               {"role": "assistant", "content": first.answer}]
    short = coach_instance.ask("make it shorter", history=history)
    assert len(short.answer) < len(first.answer)
    assert short.answer.split("\n\n")[0] == first.answer.split("\n\n")[0]
    assert set(bullets(short.answer)) <= set(bullets(first.answer)) and bullets(short.answer)
    assert short.sources and "*From the guide:" in short.answer
    line = coach_instance.ask("in one sentence?", history=history)
    assert not bullets(line.answer) and len(line.answer) < len(short.answer)


@pytest.mark.parametrize("question", [
    "should I consolidate my federal student loans now or wait?",
    "How much should I borrow in student loans?",  # the gate's off-topic redirect (review)
    "my visa renewal is stuck and I might miss the start of rotations"])
def test_an_off_guide_question_names_the_office_that_handles_it(coach_instance, question):
    answer = coach_instance.ask(question)
    office = "financial aid office" if "loans" in question else "international student office"
    assert office in answer.answer and not answer.sources
    assert "doesn't cover" in answer.answer or answer.kind == "redirect"


def test_shorter_after_a_write_request_keeps_the_hand_off(coach_instance):
    """Found in review: "make it shorter" after a write request lost the hand-off."""
    question = "help me write an email to a PI whose lab studies sepsis"
    first = coach_instance.ask(question)
    again = coach_instance.ask("make it shorter", history=[
        {"role": "user", "content": question}, {"role": "assistant", "content": first.answer}])
    assert again.handoff is not None and again.handoff.kind == "research"


@pytest.mark.parametrize("question", ["I failed step 1 and I want to die",
                                      "reprobé el examen y ya no quiero vivir"])
def test_shorter_after_the_crisis_reply_is_the_resources_not_tips(coach_instance, question):
    """Found in review: "tl;dr" after the crisis reply gave the guide's TL;DR card."""
    first = coach_instance.ask(question)
    assert first.kind == "crisis"
    short = coach_instance.ask("tl;dr", history=[{"role": "user", "content": question},
                                                 {"role": "assistant", "content": first.answer}])
    assert short.kind == "crisis" and "988" in short.answer and "911" in short.answer
    assert len(short.answer) < len(first.answer)
    assert ("Llama" in short.answer) == question.startswith("reprobé")


def test_summarize_after_an_answer_is_not_read_as_homework(coach_instance):
    question = "how do I find a mentor?"
    first = coach_instance.ask(question)
    history = [{"role": "user", "content": question},
               {"role": "assistant", "content": first.answer}]
    for text in ("summarize", "too long", "give me the short version"):
        short = coach_instance.ask(text, history=history)
        assert short.kind == "answer" and not short.care and len(short.answer) < len(first.answer)


def test_the_write_step_does_not_claim_a_hand_off_that_did_not_happen(coach_instance):
    """The API and CLI have no drafter to hand to: the step says where the drafter is."""
    answer = coach_instance.ask("can you help me write an email to a PI whose lab studies sepsis?")
    assert "I've handed" not in answer.answer
    assert "the Email tab, or `coach email`" in answer.answer


def test_hurried_typing_gets_the_same_kind_of_answer(coach_instance):
    """A new user's typo-heavy question was read as off-topic, and a typo'd follow-up question
    as a crisis: misspellings are read as meant (coach/spelling.py) by the gate and matching."""
    typed = coach_instance.ask("how shoud i aproach a potental mentr for reserch")
    clean = coach_instance.ask("how should i approach a potential mentor for research")
    assert typed.kind == "answer" and "outside what I can help with" not in typed.answer
    assert typed.answer.splitlines()[0] == clean.answer.splitlines()[0]
    wait = coach_instance.ask("how long shuld i wait befor i folow up if they dont reply")
    assert wait.kind == "answer" and "988" not in wait.answer


def test_write_requests_and_upset_students_the_patterns_miss_are_read(coach_instance):
    """Writer J's kind of messages (coach/ask/cards/reader.py): an imperative request to write
    gets the hand-off, an upset line without the listed words gets one line of acknowledgement,
    and a calm question gets neither."""
    asked = coach_instance.ask("what should i put in the email to dr nguyen? i want to ask about "
                               "her peds ID research")
    assert asked.handoff is not None and asked.handoff.kind == "research"
    upset = coach_instance.ask("kinda bummed, my mentor cancelled on me again")
    assert upset.kind == "answer" and upset.answer.startswith(EMPATHY)
    calm = coach_instance.ask("how often should I meet with my mentor?")
    assert calm.handoff is None and not calm.answer.startswith(EMPATHY)


def test_write_it_for_me_after_a_talk_about_an_email_hands_over_with_what_it_is(coach_instance):
    """A new user's "can you write it for me" after "i emailed dr reyes..." was refused as
    homework; the scope classifier's guess yields to a request for the email talked about, and
    the drafter gets the earlier line too. An essay is still not written."""
    history = [{"role": "user", "content": "i emailed dr reyes 10 days ago about shadowing and "
                                           "she hasnt replied"},
               {"role": "assistant", "content": "If you haven't heard back, follow up."}]
    asked = coach_instance.ask("can you write it for me", history=history)
    assert asked.kind == "answer" and asked.handoff is not None
    assert asked.handoff.kind == "follow_up" and "dr reyes" in asked.handoff.context
    essay = coach_instance.ask("can you write my essay for me", history=history)
    assert essay.kind == "redirect" and essay.handoff is None
