"""Test isolation: data in tmp dirs, no API keys, no telemetry, no network to model hubs.

Layout: tests/unit (fast: no MiniLM, no Chroma server, no network), tests/integration (real
embedder, Chroma, local model), tests/e2e (served app, gradio_client, browser). Helper modules
(openai_server, answer_snapshot) live here in tests/, which this file puts on sys.path.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from coach.config import disable_telemetry

TESTS = Path(__file__).resolve().parent
UNIT = TESTS / "unit"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

disable_telemetry()


@pytest.fixture(scope="session")
def shared_data_dir(tmp_path_factory: pytest.TempPathFactory):
    """One index built per test session (ingest embeds the guide once), reused read-only."""
    return tmp_path_factory.mktemp("coach-data")


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, shared_data_dir, tmp_path):
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "COACH_CHROMA_HOST", "COACH_CHROMA_PORT",
                "COACH_ENGINE", "COACH_AUTH", "COACH_LLM_MODEL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("COACH_DATA_DIR", str(shared_data_dir))
    # Tests fire requests far faster than a student; the limiter has its own tests.
    monkeypatch.setenv("COACH_RATE_CLIENT_PER_MINUTE", "0")
    # Scripted fake replies test the plumbing; the grounding guard (on by default) would drop
    # them. tests/test_grounding*.py and the real-model tests turn it back on.
    monkeypatch.setenv("COACH_LLM_GROUNDING", "false")
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(shared_data_dir / "tiktoken"))
    monkeypatch.chdir(tmp_path)  # no stray .env from the checkout
    from coach.config import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def no_minilm_in_unit_tests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """A unit test that reaches the real embedder fails: inject coach.testing.FakeEmbeddings."""
    if UNIT not in Path(str(request.node.path)).parents:
        return

    def refuse(self, texts):  # noqa: ANN001, ANN202
        raise RuntimeError("unit tests must not run MiniLM: use coach.testing.FakeEmbeddings "
                           "or move the test to tests/integration")

    monkeypatch.setattr("coach.embeddings.LocalEmbeddings._encode", refuse)


@pytest.fixture(scope="session")
def coach_instance(shared_data_dir):
    """A guide-engine Coach over the real index (real embeddings, embedded Chroma)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("COACH_DATA_DIR", str(shared_data_dir))
    mp.setenv("COACH_RATE_CLIENT_PER_MINUTE", "0")
    mp.setenv("COACH_LLM_GROUNDING", "false")
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "COACH_CHROMA_HOST"):
        mp.delenv(key, raising=False)
    from coach.ask.answer import Coach
    from coach.config import Settings

    instance = Coach.from_settings(Settings())
    mp.undo()
    return instance


def pytest_report_header(config):
    return f"offline: HF_HUB_OFFLINE={os.environ.get('HF_HUB_OFFLINE')}"
