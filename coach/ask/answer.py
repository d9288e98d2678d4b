"""The coach's public API: `Coach.ask()` / `Coach.stream()`, one interface for both engines."""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from functools import lru_cache
from typing import Literal

from chromadb.errors import NotFoundError
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel

from coach.ask.cards.compose import Handoff
from coach.ask.cards.matching import CardMatcher, open_matcher
from coach.config import Settings, get_settings
from coach.errors import ConfigError, InputError, LLMError
from coach.grounding import GroundingReport, guard_for
from coach.ask.guide_engine import GuideEngine
from coach.index.store import open_client, open_store
from coach.llm import describe_failure, make_chat_model
from coach.ask.llm_engine import CANARY, LLMEngine
from coach.retrieval import HybridRetriever, expand
from coach.safety.output import clean_output
from coach.index.unit_vectors import UnitVectors
from coach.index.unit_vectors import path_for as unit_vectors_path

log = logging.getLogger(__name__)
Engine = Literal["auto", "guide", "llm"]
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Images in model output: a renderer fetches the URL, which can carry data out (exfiltration).
IMAGES = re.compile(r"!\[([^\]\n]*)\](?:\([^)\n]*\)|\[[^\]\n]*\])|<img\b[^>]*>", re.I)
# While streaming, an image still being written: held back until it is complete (then stripped).
PARTIAL_IMAGE = re.compile(
    r"!(?:\[[^\]\n]*(?:\](?:[(\[][^)\]\n]*)?)?)?$|<(?:i(?:m(?:g\b[^>]*)?)?)?$", re.I)
WORD = re.compile(r"[a-z0-9]+", re.I)
MAX_HISTORY_TURNS = 20
LEAK_WINDOW = 8  # words: a run this long copied from the system prompt means it is leaking


class Source(BaseModel):
    section: str
    source: str
    text: str
    score: float


class Answer(BaseModel):
    kind: Literal["answer", "redirect", "crisis"]
    answer: str
    sources: list[Source] = []
    engine: Literal["guide", "llm"] = "guide"
    notice: str | None = None
    handoff: Handoff | None = None  # a "help me write..." request handed to the email drafter
    done: bool = True
    grounding: GroundingReport | None = None  # per-sentence verdicts on an LLM answer

    def public(self) -> dict:
        """The documented JSON shape (plus `notice`, `grounding` and `handoff` when there are)."""
        data = self.model_dump(exclude={"done", "notice", "grounding", "handoff"})
        if self.notice:
            data["notice"] = self.notice
        if self.grounding is not None:
            data["grounding"] = self.grounding.model_dump()
        if self.handoff:
            data["handoff"] = self.handoff.model_dump()
        return data


def clean_question(question: str, limit: int) -> str:
    """Strip control characters and whitespace; reject empty or over-long questions."""
    text = CONTROL.sub("", question or "").strip()
    if not text:
        raise InputError("Please type a question (it was empty).")
    if len(text) > limit:
        raise InputError(
            f"That question is {len(text):,} characters; the limit is {limit:,}. "
            "Please shorten it to the part you most want help with."
        )
    return text


def strip_images(text: str, partial: bool = False) -> str:
    """Model text with Markdown/HTML images reduced to their alt text (nothing to auto-load).

    `partial`: the text is still streaming, so an unfinished image at the end is held back.
    """
    text = IMAGES.sub(lambda m: m.group(1) or "", text)
    return PARTIAL_IMAGE.sub("", text) if partial else text


def _windows(text: str) -> set[tuple[str, ...]]:
    words = [w.lower() for w in WORD.findall(text)]
    return {tuple(words[i:i + LEAK_WINDOW]) for i in range(len(words) - LEAK_WINDOW + 1)}


@lru_cache(maxsize=1)
def _prompt_windows() -> frozenset[tuple[str, ...]]:
    """Word runs of the answer system prompt, minus the lines the model is told to say itself
    (quoted wording, the crisis line), so a normal answer never matches."""
    from coach.prompts import render

    lines = render("answer_system", canary=CANARY).splitlines()
    keep = [ln for ln in lines if '"' not in ln and "988" not in ln]
    return frozenset(_windows("\n".join(keep)))


@lru_cache(maxsize=1)
def _prompt_prefixes() -> frozenset[tuple[str, ...]]:
    return frozenset(w[:n] for w in _prompt_windows() for n in range(1, LEAK_WINDOW))


def leaks_prompt(text: str) -> bool:
    """True when model output contains the canary or a run of the system prompt's wording,
    also when split by zero-width characters, re-cased, re-spaced or base64-encoded."""
    from coach.safety.normalise import INVISIBLE, decode_base64
    from coach.safety.output import contains_secret

    if contains_secret(text, [CANARY]):
        return True
    plain = INVISIBLE.sub("", text)
    return any(not _windows(t).isdisjoint(_prompt_windows())
               for t in [plain, *decode_base64(plain)])


def _streamable(text: str) -> str:
    """Streaming text minus a tail that could be the start of a prompt leak (shown once the
    next words prove it is not)."""
    spans = list(WORD.finditer(text))
    prefixes = _prompt_prefixes()
    for n in range(min(LEAK_WINDOW - 1, len(spans)), 0, -1):
        if tuple(m.group().lower() for m in spans[-n:]) in prefixes:
            return text[: spans[-n].start()]
    return text


def normalise_history(history: list | None) -> list[dict]:
    """Accept [{'role','content'}] with str or Gradio's list-of-parts content."""
    turns = []
    for turn in (history or [])[-MAX_HISTORY_TURNS:]:  # older turns never matter; bound the work
        content = turn.get("content") if isinstance(turn, dict) else None
        if isinstance(content, list):
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        if isinstance(content, str) and content.strip():
            turns.append({"role": turn.get("role", "user"), "content": content.strip()[:4000]})
    return turns


def _sources(hits: list[Document]) -> list[Source]:
    out = []
    for doc in hits:
        text = doc.page_content
        trail = doc.metadata.get("heading_trail", "")
        if trail and text.startswith(trail):
            text = text[len(trail):].strip()
        out.append(Source(section=doc.metadata.get("section", ""),
                          source=doc.metadata.get("source", ""),
                          text=clean_output(text), score=float(doc.metadata.get("score", 0.0))))
    return out


def within_deadline(items: Iterator, seconds: float) -> Iterator:
    """Iterate `items` in a worker thread; TimeoutError once `seconds` have passed in total.

    Client timeouts bound each request, not retries, Retry-After waits or a slow stream; this
    bounds the whole answer. An abandoned worker stops at its next item (or client timeout).
    """
    results: queue.Queue = queue.Queue()
    stop = threading.Event()
    end = object()

    def pump() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                results.put((item, None))
            results.put((end, None))
        except BaseException as exc:  # handed to the consumer thread
            results.put((None, exc))
        finally:  # closes the HTTP stream, so the server stops generating for nobody
            getattr(items, "close", lambda: None)()

    threading.Thread(target=pump, daemon=True, name="llm-deadline").start()
    finish = time.monotonic() + seconds
    try:
        while True:
            try:
                item, error = results.get(timeout=max(0.0, finish - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"no complete answer within {seconds:g} s") from None
            if error is not None:
                raise error
            if item is end:
                return
            yield item
    finally:
        stop.set()


class Coach:
    """Answers mentorship questions from the guide, with the guide engine or a configured LLM."""

    def __init__(self, settings: Settings, retriever: HybridRetriever,
                 llm: BaseChatModel | None = None, cards: CardMatcher | None = None) -> None:
        self.settings = settings
        self.retriever = retriever
        self.guide = GuideEngine(retriever.store.embeddings,
                                 UnitVectors(unit_vectors_path(settings.data_dir)))
        self.llm_engine = (LLMEngine(llm, settings.llm_model, settings.llm_context_budget)
                           if llm is not None else None)
        self._lock = threading.Lock()
        self._cards = cards

    @property
    def cards(self) -> CardMatcher:
        """The advice-card matcher (cards synced into Chroma on first use)."""
        if self._cards is None:
            with self._lock:
                if self._cards is None:
                    store = self.retriever.store
                    self._cards = open_matcher(self.settings, store._client, store.embeddings)
        return self._cards

    @classmethod
    def from_settings(cls, settings: Settings | None = None,
                      llm: BaseChatModel | None = None) -> Coach:
        """Open (or build) the index and set up the engines from settings."""
        settings = settings or get_settings()
        store = open_store(settings, open_client(settings))
        retriever = HybridRetriever(store=store, k=settings.top_k)
        cards = open_matcher(settings, store._client, store.embeddings)
        return cls(settings, retriever, llm if llm is not None else make_chat_model(settings),
                   cards=cards)

    @property
    def engine_name(self) -> str:
        return "llm" if self.llm_engine is not None else "guide"

    def _choose(self, engine: Engine | None) -> str:
        engine = engine or self.settings.engine
        if engine == "llm" and self.llm_engine is None:
            raise ConfigError(
                "The LLM engine was requested but no LLM is configured. Set OPENAI_API_KEY "
                "(and OPENAI_BASE_URL for a local server), or use --engine guide."
            )
        if engine == "auto":
            return self.engine_name
        return engine

    def ask(self, question: str, history: list | None = None,
            engine: Engine | None = None) -> Answer:
        """One complete answer (the last item of `stream`)."""
        return deque(self.stream(question, history, engine), maxlen=1)[0]

    def stream(self, question: str, history: list | None = None,
               engine: Engine | None = None) -> Iterator[Answer]:
        """Yield the answer so far as it grows; the last item has `done=True`."""
        from coach.safety import classify, crisis_response, redirect_response
        from coach.safety.untrusted import screen_history, student_lines

        question = clean_question(question, self.settings.max_question_chars)
        history = normalise_history(history)
        chosen = self._choose(engine)
        try:
            self._prefetch(question, history, chosen)
        except Exception:  # only an optimisation: nothing may stand before the safety gate
            log.warning("prefetching the question's vectors failed", exc_info=True)
        verdict = classify(question, student_lines(history))  # the window, not one line
        if verdict.kind == "crisis":
            yield Answer(kind="crisis", answer=crisis_response(verdict.lang), engine=chosen)
            return
        if verdict.kind != "ok" and not self._knowledge_widens_scope(verdict):
            yield Answer(kind="redirect", answer=redirect_response(verdict), engine=chosen)
            return
        history = screen_history(history)  # redirected turns never re-enter a prompt
        if chosen == "llm":
            yield from self._stream_llm(question, history, forced=engine == "llm")
        else:
            yield self._guide_answer(question, history)

    def _prefetch(self, question: str, history: list[dict], chosen: str) -> None:
        """Embed every text this ask may need in one model call: what the safety gate reads
        (the line, its window, the earlier turns it screens), the retrieval query and its
        expansion. The gate, retrieval, cards and composition then reuse these vectors."""
        prefetch = getattr(self.retriever.store.embeddings, "prefetch", None)
        if prefetch is None:  # another Embeddings (a test fake): each step embeds for itself
            return
        from coach.ask.cards.answer import resolve
        from coach.safety.gate import semantic_texts
        from coach.safety.untrusted import student_lines

        texts = list(semantic_texts(question, student_lines(history)))
        for turn in history:  # screen_history classifies each earlier turn on its own
            texts += semantic_texts(turn["content"])
        if chosen == "guide":
            query = resolve(question, history)
            texts.append(query)
            if self._may_compose():  # the extractive engine also reads the expanded query
                texts.append(expand(query))
        elif not history:  # the LLM engine retrieves with the question itself
            texts.append(question)
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
                store = open_store(self.settings, stale.store._client)
                self.retriever = HybridRetriever(store=store, k=stale.k, fetch_k=stale.fetch_k,
                                                 max_per_section=stale.max_per_section)
            return self.retriever

    def _guide_answer(self, question: str, history: list[dict],
                      notice: str | None = None) -> Answer:
        from coach.ask.cards.answer import card_answer

        answer = card_answer(self, question, history, notice)
        # knowledge is untrusted too: answer and sources are cleaned like any model output
        return answer.model_copy(update={
            "answer": clean_output(answer.answer),
            "sources": [s.model_copy(update={"text": clean_output(s.text)})
                        for s in answer.sources]})

    def _llm_steps(self, question: str, history: list[dict]) -> Iterator[object]:
        """The LLM pipeline as one iterator: first the sources, then the answer's tokens."""
        engine = self.llm_engine
        query = engine.condense(question, history) if history else question
        hits, vector = self.retrieve(query)
        from coach.ask.cards.answer import card_context  # both engines share the cards' grounding

        hits = card_context(self, query, vector, history) + hits
        yield _sources(hits)
        yield from engine.stream(question, hits, history)

    def _stream_llm(self, question: str, history: list[dict], forced: bool) -> Iterator[Answer]:
        text = ""
        try:
            steps = within_deadline(self._llm_steps(question, history), self.settings.llm_deadline)
            sources = next(steps)
            # Each sentence is held back until the grounding guard passes it (coach/grounding).
            guard = guard_for(self, [s.text for s in sources], question, history)
            for token in steps:
                text += token
                if leaks_prompt(text):  # the prompt is leaking: stop and redirect
                    raise LLMError("prompt leak blocked")
                shown = guard.feed(token) if guard else _streamable(text)
                yield Answer(kind="answer", answer=clean_output(strip_images(shown, partial=True)),
                             sources=sources, engine="llm", done=False)
            if not text.strip():
                raise LLMError("empty reply")
            if guard:
                final, report = guard.result()
                if not report.enough:  # too little survived: the guide engine answers
                    yield self._guide_answer(question, history, notice=report.fallback_notice) \
                        .model_copy(update={"grounding": report})
                    return
                yield Answer(kind="answer", answer=clean_output(strip_images(final)), sources=sources,
                             engine="llm", grounding=report)
                return
            yield Answer(kind="answer", answer=clean_output(strip_images(text)), sources=sources,
                         engine="llm")
        except Exception as exc:  # any LLM failure: the guide engine answers instead
            if isinstance(exc, LLMError) and str(exc) == "prompt leak blocked":
                from coach.safety import Verdict, redirect_response

                verdict = Verdict(kind="injection", category="extraction", reason="canary")
                yield Answer(kind="redirect", answer=redirect_response(verdict), engine="llm")
                return
            notice = describe_failure(exc)
            log.warning("LLM call failed (%s); falling back to the guide engine",
                        type(exc).__name__)
            if forced:
                raise LLMError(notice.replace("; this answer comes from the guide engine instead",
                                              "")) from None
            yield self._guide_answer(question, history, notice=notice)
