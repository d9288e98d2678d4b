"""The Chroma client (an HTTP server when configured, else the embedded store, moved aside and
started afresh when corrupt) and the pointer naming the live collection."""

from __future__ import annotations

import logging
import shutil
import time

import chromadb
from chromadb.config import Settings as ChromaSettings

from coach.config import Settings
from coach.errors import IndexUnavailable

log = logging.getLogger(__name__)


def open_client(settings: Settings) -> chromadb.ClientAPI:
    """An HTTP client when a Chroma server is configured, else the embedded persistent store.

    A corrupt persistent directory is moved aside (kept for inspection) and started afresh.
    """
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        try:
            client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
            client.heartbeat()
            return client
        except Exception as exc:
            raise IndexUnavailable(
                f"Cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port} "
                f"({type(exc).__name__}). Start it (`chroma run --path DIR --port "
                f"{settings.chroma_port}`) or unset COACH_CHROMA_HOST to use the embedded store."
            ) from exc
    path = settings.chroma_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        client.list_collections()  # touches the sqlite file: detects corruption early
        return client
    except Exception as exc:
        aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
        log.warning("The index at %s is unreadable (%s); moving it to %s and rebuilding",
                    path, type(exc).__name__, aside)
        # chromadb caches one System per path, even a failed one: drop it or the retry reuses it.
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient._identifier_to_system.pop(str(path), None)
        SharedSystemClient._identifier_to_refcount.pop(str(path), None)
        shutil.move(str(path), str(aside))
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def pointer_collection(client: chromadb.ClientAPI, settings: Settings):  # noqa: ANN201
    """The tiny collection whose metadata names the live collection."""
    return client.get_or_create_collection(f"{settings.collection}.active")


def active_collection_name(client: chromadb.ClientAPI, settings: Settings) -> str | None:
    """The name of the live collection, or None when no index was built yet."""
    metadata = pointer_collection(client, settings).metadata or {}
    name = metadata.get("current")
    if name and name in {c.name for c in client.list_collections()}:
        return str(name)
    return None
