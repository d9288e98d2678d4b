"""Faults in the index while serving: keep answering from the last good copy and rebuild.

When the live index cannot be read (a damaged sqlite file, a Chroma server gone), the guide
engine answers from the chunks and vectors the retriever already holds in memory, and one
background thread reopens the index: a corrupt embedded store is moved aside and rebuilt from
knowledge/ (coach.index.client.open_client, coach.index.live.open_store); a server is
reconnected when it is back.
Students see answers, or one kind sentence, never the exception's text.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from langchain_core.documents import Document

from coach.errors import IndexUnavailable

if TYPE_CHECKING:
    from coach.ask.answer import Coach
    from coach.retrieval import HybridRetriever

log = logging.getLogger(__name__)
INDEX_DOWN = ("The guide can't be read right now and is being repaired. Please try again in a "
              "minute; if you are in crisis, call or text 988 now.")
_LOCK = threading.Lock()


def answer_from_copy(coach: Coach, stale: HybridRetriever, query: str, vector: list[float],
                     fault: Exception) -> list[Document]:
    """Hits from the retriever's in-memory copy, with a repair started in the background;
    IndexUnavailable (a kind sentence) when there is no copy to answer from."""
    log.warning("The index cannot be read (%s); answering from the last good copy and "
                "repairing it in the background", type(fault).__name__)
    repair_in_background(coach, stale)
    if not stale.has_copy:
        raise IndexUnavailable(INDEX_DOWN) from None
    return stale.search(query, vector, cached=True)


def is_repairing(coach: Coach) -> bool:
    thread = getattr(coach, "_repair_thread", None)
    return thread is not None and thread.is_alive()


def repair_in_background(coach: Coach, stale: HybridRetriever) -> threading.Thread:
    """Start (at most one at a time) the thread that reopens or rebuilds the index."""
    with _LOCK:
        if not is_repairing(coach):
            coach._repair_thread = threading.Thread(target=_repair, args=(coach, stale),
                                                    name="index-repair", daemon=True)
            coach._repair_thread.start()
        return coach._repair_thread


def _repair(coach: Coach, stale: HybridRetriever) -> None:
    from coach.index.client import open_client
    from coach.index.live import open_store
    from coach.retrieval import HybridRetriever

    try:
        client = open_client(coach.settings)  # moves a corrupt embedded store aside
        store = open_store(coach.settings, client)  # rebuilds from knowledge/ when needed
        fresh = HybridRetriever(store=store, k=stale.k, fetch_k=stale.fetch_k,
                                max_per_section=stale.max_per_section)
        fresh.search("how do I find a mentor")  # reads it through (and keeps its copy)
    except Exception as exc:  # still down: the next failed read tries again
        log.warning("Index repair failed (%s); still answering from the last good copy",
                    type(exc).__name__)
        return
    with coach._lock:
        if coach.retriever is stale:
            coach.retriever = fresh
    log.info("Index repaired: serving %s again", store.collection.name)
