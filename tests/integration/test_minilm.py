"""The numpy forward pass (coach/minilm.py) gives sentence-transformers' vectors, and the
embedder uses it only for a few texts before sentence-transformers is loaded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from coach.embeddings import NUMPY_BUDGET, NUMPY_MAX, LocalEmbeddings, resolve_model_path
from coach.minilm import MAX_SEQ_LENGTH, MiniLMNumpy

TEXTS = [
    "how do i find a research mentor",
    "My mentor cancelled 3 times this month. Should I say something or is that rude?",
    "qué pongo en el asunto del correo 😅",
    "ok",
    "I don't want to be here anymore",
    "résumé, naïve café — ÜBER WEIRD CASE",
    "word " * 400,  # beyond 256 word pieces: truncated as sentence-transformers truncates
    "",
]


@pytest.fixture(scope="module")
def path() -> str:
    return resolve_model_path("all-MiniLM-L6-v2")


@pytest.fixture(scope="module")
def reference(path):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(path, device="cpu")
    assert model.max_seq_length == MAX_SEQ_LENGTH
    return model.encode(TEXTS, normalize_embeddings=True, show_progress_bar=False)


def test_numpy_forward_matches_sentence_transformers(path, reference):
    mine = MiniLMNumpy(path).encode(TEXTS)
    assert mine.shape == reference.shape == (len(TEXTS), 384)
    assert mine.dtype == np.float32
    assert np.abs(mine - reference).max() < 1e-5
    for text, vector in zip(TEXTS, mine, strict=True):  # alone, without padding, the same
        assert np.abs(MiniLMNumpy(path).encode([text])[0] - vector).max() < 1e-5


def test_numpy_forward_of_nothing(path):
    assert MiniLMNumpy(path).encode([]).shape == (0, 384)


def test_numpy_forward_refuses_a_model_it_cannot_run(tmp_path, path):
    (tmp_path / "config.json").write_text('{"model_type": "t5", "hidden_act": "relu"}')
    with pytest.raises(ValueError, match="not a BERT model"):
        MiniLMNumpy(tmp_path)


def test_small_batches_skip_torch_until_the_full_model_is_loaded(reference):
    embeddings = LocalEmbeddings()
    got = np.array(embeddings.embed_documents(TEXTS[:3]))
    assert "model" not in embeddings.__dict__  # sentence-transformers never loaded
    assert np.abs(got - reference[:3]).max() < 1e-5
    embeddings.load_full_model()
    assert "model" in embeddings.__dict__
    again = np.array(embeddings.embed_documents([TEXTS[3]]))
    assert np.abs(again - reference[3:4]).max() < 1e-5


def test_a_few_dozen_texts_are_embedded_in_numpy_batches(reference):
    embeddings = LocalEmbeddings()
    texts = TEXTS * 5  # 40: more than one batch of 16
    got = np.array(embeddings.embed_documents(texts))
    assert "model" not in embeddings.__dict__
    assert np.abs(got - np.tile(reference, (5, 1))).max() < 1e-5


def test_a_process_that_embeds_much_loads_sentence_transformers():
    embeddings = LocalEmbeddings()
    batch = [f"{TEXTS[1]} ({i})" for i in range(NUMPY_MAX)]
    for _ in range(NUMPY_BUDGET // NUMPY_MAX):  # ingest-sized batches, within the budget
        embeddings.embed_documents(batch)
        assert "model" not in embeddings.__dict__
    embeddings.embed_documents(TEXTS[:1])  # past the budget: torch from now on
    assert "model" in embeddings.__dict__


def test_bulk_batches_use_sentence_transformers():
    embeddings = LocalEmbeddings()
    embeddings.embed_documents([f"{TEXTS[0]} number {i}" for i in range(NUMPY_MAX + 1)])
    assert "model" in embeddings.__dict__


def test_a_cold_ask_answers_without_importing_torch(coach_instance, shared_data_dir):
    """What the numpy path is for: a fresh process (a `coach ask` call) answers over the real
    index without importing torch, transformers or sentence-transformers."""
    script = """
import sys
from coach.ask.answer import Coach
answer = Coach.from_settings().ask("how do I ask a resident to be my mentor?")
assert answer.kind == "answer" and answer.sources, answer
heavy = [m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules]
assert not heavy, heavy
print("fine")
"""
    env = {**os.environ, "COACH_DATA_DIR": str(shared_data_dir)}
    result = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parents[2],
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0 and "fine" in result.stdout, result.stderr[-2000:]


def test_loading_the_full_model_lets_the_numpy_weights_go():
    embeddings = LocalEmbeddings()
    embeddings.embed_query(TEXTS[0])
    assert embeddings._numpy is not None
    embeddings.load_full_model()
    assert embeddings._numpy is None


def test_other_models_never_take_the_numpy_path(path):
    embeddings = LocalEmbeddings(path)  # the same files under a name that is not MiniLM's
    assert embeddings.model_name not in ("all-MiniLM-L6-v2",)
    assert embeddings._numpy is None
