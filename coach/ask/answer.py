"""The coach's public API: `Coach.ask()` / `Coach.stream()`, one interface for both engines."""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING

from chromadb.errors import NotFoundError
from langchain_core.documents import Document

from coach.ask.cards.intent import last_turn, read_intent
from coach.ask.cards.matching import CardMatcher, open_matcher
from coach.ask.cards.offices import OfficeFinder, load_offices
from coach.ask.engines import AnswerRequest, GuideAnswers, LLMAnswers, leak_redirect
from coach.ask.guide_engine import GuideEngine
from coach.ask.inputs import clean_question, normalise_history
from coach.ask.result import Answer
from coach.config import Settings, get_settings
from coach.engine import Engine, EngineName, Fallback, Requested, choose
from coach.errors import PromptLeak
from coach.index.client import open_client
from coach.index.live import open_store
from coach.index.unit_vectors import UnitVectors
from coach.index.unit_vectors import path_for as unit_vectors_path
from coach.llm import make_chat_model
from coach.retrieval import HybridRetriever, expand
from coach.spelling import fix

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

__all__ = ["Coach"]
log = logging.getLogger(__name__)


class Coach:
    """Answers mentorship questions from the guide, with the guide engine or a configured LLM."""

    def __init__(self, settings: Settings, retriever: HybridRetriever,
                 llm: BaseChatModel | None = None, cards: CardMatcher | None = None) -> None:
        self.settings = settings
        self.retriever = retriever
        self.guide = GuideEngine(retriever.store.embeddings,
                                 UnitVectors(unit_vectors_path(settings.data_dir)))
        self.llm_engine = None
        if llm is not None:  # LangChain's model stack is imported only when an LLM is configured
            from coach.ask.llm_engine import LLMEngine

            self.llm_engine = LLMEngine(llm, settings.llm_model, settings.llm_context_budget)
        self._lock = threading.Lock()
        self._cards = cards
        self._offices: OfficeFinder | None = None

    @property
    def cards(self) -> CardMatcher:
        """The advice-card matcher (cards synced into Chroma on first use)."""
        if self._cards is None:
            with self._lock:
                if self._cards is None:
                    store = self.retriever.store
                    self._cards = open_matcher(self.settings, store.client, store.embeddings)
        return self._cards

    @property
    def offices(self) -> OfficeFinder:
        """Where to send a question the guide does not cover (knowledge/offices.yaml)."""
        if self._offices is None:
            with self._lock:
                if self._offices is None:
                    self._offices = OfficeFinder(load_offices(self.settings.knowledge_dir),
                                                 self.retriever.store.embeddings)
        return self._offices

    @classmethod
    def from_settings(cls, settings: Settings | None = None,
                      llm: BaseChatModel | None = None) -> Coach:
        """Open (or build) the index and set up the engines from settings."""
        settings = settings or get_settings()
        warm_in_background()
        store = open_store(settings, open_client(settings))
        retriever = HybridRetriever(store=store, k=settings.top_k)
        cards = open_matcher(settings, store.client, store.embeddings)
        return cls(settings, retriever, llm if llm is not None else make_chat_model(settings),
                   cards=cards)

    @property
    def engine_name(self) -> str:
        return "llm" if self.llm_engine is not None else "guide"

    def ask(self, question: str, history: list | None = None,
            engine: Requested | None = None) -> Answer:
        """One complete answer (the last item of `stream`)."""
        return deque(self.stream(question, history, engine), maxlen=1)[0]

    def stream(self, question: str, history: list | None = None,
               engine: Requested | None = None) -> Iterator[Answer]:
        """Yield the answer so far as it grows; the last item has `done=True`."""
        from coach.ask.cards.condense import asks_to_shorten, nothing_shorter
        from coach.ask.cards.intent import last_turn
        from coach.safety import care_for, classify, crisis_reply
        from coach.safety.mistreatment import (
            describes_mistreatment,
            mistreatment_reply,
            reconcile,
        )
        from coach.safety.third_party import gives_confidentiality_advice, third_party_care_note
        from coach.safety.untrusted import screen_history, student_lines

        question = clean_question(question, self.settings.max_question_chars)
        history = normalise_history(history)
        chosen = choose(self.settings, engine, llm_available=self.llm_engine is not None)
        try:
            self._prefetch(question, history, chosen)
        except Exception:  # only an optimisation: nothing may stand before the safety gate
            log.warning("prefetching the question's vectors failed", exc_info=True)
        mistreated = describes_mistreatment(question)  # harassment, assault: support, not tips
        verdict = reconcile(classify(question, student_lines(history)), mistreated)  # the window
        if verdict.kind == "crisis":  # with the reporting options when mistreatment is named
            text = crisis_reply(verdict)  # too ("grabbed my arm... I'll fail if I tell anyone")
            if mistreated:
                text = f"{text}\n\n{mistreatment_reply(verdict.lang)}"
            yield Answer(kind="crisis", answer=text, engine=chosen)
            return
        shorten = asks_to_shorten(question) and any(t.get("role") == "assistant" for t in history)
        # "too long", "summarize" after an answer: a request about that answer, not a new topic
        # (the scope gate read "summarize" as homework, the short-input rule gave "too long" care)
        care = None if shorten else care_for(verdict)  # unsure: resources beside it
        said = last_turn(history, "assistant")
        if shorten and "988" in said:  # after the crisis reply: the resources again, shorter,
            yield Answer(kind="crisis", answer=nothing_shorter(said), engine=chosen)
            return  # never a mentoring answer (the screened history the engines read drops it)
        if mistreated:
            yield Answer(kind="answer", answer=mistreatment_reply(verdict.lang), engine=chosen,
                         care=care)
            return
        if verdict.kind != "ok" and not shorten and not self._knowledge_widens_scope(verdict) \
                and not asks_for_the_email(question, history, verdict):
            yield Answer(kind="redirect", answer=self._redirect(question, verdict), engine=chosen,
                         care=care)
            return
        request = AnswerRequest(question, screen_history(history))  # redirects never re-enter
        try:
            for answer in self.answer_engine(chosen, forced=engine == "llm").stream(request):
                about = getattr(verdict, "about", "self")  # test doubles may not carry it
                if answer.done and about == "self" and gives_confidentiality_advice(
                        [s.text for s in answer.sources]):  # that advice never stands alone
                    care = "\n\n".join(filter(None, [care, third_party_care_note(verdict.lang)]))
                yield answer.model_copy(update={"care": care}) if care else answer
        except PromptLeak:  # the model began repeating its instructions: stop and redirect
            yield leak_redirect().model_copy(update={"care": care})

    def _redirect(self, question: str, verdict) -> str:
        """The gate's redirect; an off-topic question near one of knowledge/offices.yaml's
        offices ("should I refinance my loans?") also says where to ask."""
        from coach.safety import redirect_response

        text = redirect_response(verdict)
        if verdict.category == "unrelated" and (office := self.offices.match(question)):
            lead, _, rest = text.partition("\n\n")
            text = f"{lead} {office[:1].upper()}{office[1:]} is the right place to ask.\n\n{rest}"
        return text

    def answer_engine(self, chosen: EngineName,
                      forced: bool = False) -> Engine[AnswerRequest, Answer]:
        """The guide engine, or the LLM engine behind the fallback to it (none when `forced`)."""
        guide = GuideAnswers(self)
        if chosen == "guide":
            return guide
        return Fallback(LLMAnswers(self, guide), guide, forced=forced)

    def _prefetch(self, question: str, history: list[dict], chosen: str) -> None:
        """Embed every text this ask may need in one model call: what the safety gate reads
        (the line, its window, the earlier turns it screens), the retrieval query and its
        expansion. The gate, retrieval, cards and composition then reuse these vectors."""
        prefetch = getattr(self.retriever.store.embeddings, "prefetch", None)
        if prefetch is None:  # another Embeddings (a test fake): each step embeds for itself
            return
        from coach.ask.cards.follow_up import match_text, resolve
        from coach.safety.gate import semantic_texts
        from coach.safety.untrusted import student_lines

        texts = list(semantic_texts(question, student_lines(history)))
        for turn in history:  # screen_history classifies each earlier turn on its own
            texts += semantic_texts(turn["content"])
        reading = fix(question)  # both engines match and retrieve on the line as meant
        if chosen == "guide":
            # card matching's text, and the question alone (the intent reader's vector)
            texts += [match_text(self.cards, reading, history)[0], reading]
            if self._may_compose():  # the extractive engine also reads the expanded query
                texts.append(expand(resolve(reading, history)))
        elif not history:  # the LLM engine retrieves with the question itself
            texts.append(reading)
        prefetch(texts)

    def _knowledge_widens_scope(self, verdict) -> bool:  # noqa: ANN001 - safety.Verdict
        """A chapter's own documents (indexed without advice cards) widen what is in scope: the
        classifier's out-of-scope guess ("travel", "money") then yields to the knowledge, and the
        answer engine's covered/not-covered check decides. Patterns and injection never yield."""
        return (verdict.kind == "out_of_scope" and verdict.reason.startswith("classifier:")
                and bool(self.cards) and self._may_compose())

    def _may_compose(self) -> bool:
        """Whether a guide answer can come from the extractive engine: some indexed document
        has no advice cards (or there are no cards at all)."""
        cards = self.cards
        if not cards:
            return True
        docs, _ = self.retriever._corpus
        return not {d.metadata.get("source") for d in docs} <= cards.sources

    def retrieve(self, query: str,
                 vector: list[float] | None = None) -> tuple[list[Document], list[float]]:
        """The hits for `query` (and its vector), surviving a rebuilt or unreadable index."""
        retriever = self.retriever
        vector = vector or retriever.store.embeddings.embed_query(query)
        try:
            return retriever.search(query, vector), vector
        except NotFoundError:
            # A rebuild (`coach ingest --rebuild`) switched the live collection and deleted ours.
            log.info("The index collection was replaced; reopening the live one")
            return self._reopen(retriever).search(query, vector), vector
        except Exception as exc:  # unreadable (corrupt file, server down): the last good copy
            from coach.index.repair import answer_from_copy

            return answer_from_copy(self, retriever, query, vector, exc), vector

    def _reopen(self, stale: HybridRetriever) -> HybridRetriever:
        """Point at the live collection again, with a fresh BM25 corpus (once per rebuild)."""
        with self._lock:
            if self.retriever is stale:  # another thread may have reopened it already
                store = open_store(self.settings, stale.store.client)
                self.retriever = HybridRetriever(store=store, k=stale.k, fetch_k=stale.fetch_k,
                                                 max_per_section=stale.max_per_section)
            return self.retriever


def warm_in_background() -> threading.Thread:
    """Load the safety gate's language identifier on a daemon thread while the caller opens the
    index and the embedder loads its weights: decompressing its model (~0.5 s) releases the GIL, so
    the two overlap. The identifier is behind a lock: a question that needs it first waits
    instead of loading it twice. (Warming the GIL-bound pieces, the card matcher and the
    patterns, this way measured slower: the threads only took turns.)"""
    # Every module the thread needs is imported here, first: two threads importing at once can
    # see half-initialised modules (numpy's circular imports fail that way).
    import lzma  # noqa: F401
    import tempfile  # noqa: F401
    import zipfile  # noqa: F401

    import py3langid.langid  # noqa: F401
    import spellchecker  # noqa: F401

    from coach import spelling
    from coach.safety.language import warm

    def run() -> None:
        for name, load in (("language identifier", warm), ("spelling dictionary", spelling.warm)):
            try:  # the spelling index (~1 s, GIL-bound) after the identifier: not a student's
                load()  # first question
            except Exception:  # the gate loads (and reports) it on the first line instead
                log.warning("loading the %s in the background failed", name, exc_info=True)

    thread = threading.Thread(target=run, name="coach-warm-up", daemon=True)
    thread.start()
    return thread


# An email, message or note: what the drafter writes ("write it for me" after a talk about one).
EMAILISH = re.compile(r"\b(?:e-?mail\w*|messag\w+|notes?|repl(?:y|ies)|follow[- ]?ups?|"
                      r"thank[- ]?you|dms?|texts?)\b", re.I)


def asks_for_the_email(question: str, history: list[dict], verdict) -> bool:  # noqa: ANN001
    """"can you write it for me" after a talk about emailing a mentor: the scope classifier's
    "homework" guess yields to the request for the email (a new user was told "I can't do
    assignments"). Only the classifier's guess yields, only for a write request, and only when
    the request or the student's previous line names an email, message or note."""
    if verdict.kind != "out_of_scope" or verdict.category != "homework" or \
            not verdict.reason.startswith("classifier:"):
        return False
    reading = fix(question)
    if not read_intent(reading).write_request:
        return False
    return bool(EMAILISH.search(reading) or EMAILISH.search(fix(last_turn(history, "user"))))

