"""All-MiniLM-L6-v2's forward pass in numpy, for the few texts one ask embeds.

Importing sentence-transformers (and with it transformers and torch) takes 10-14 s on the
2-core machine, longer than everything else a cold `coach ask` does. The model is a 6-layer
BERT: its forward pass is a few matrix products, so the question's vector is computed here from
the same safetensors weights and the same tokenizer, with mean pooling and L2 normalisation as
the model's sentence-transformers config says. Bulk encoding (ingest) stays on
sentence-transformers; `tests/integration/test_minilm.py` holds the two to the same vectors
(|diff| < 1e-5). Only all-MiniLM-L6-v2 itself is run this way (`coach.embeddings.MINILM_NAMES`):
other models pool or truncate differently.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

MAX_SEQ_LENGTH = 256  # sentence_bert_config.json of all-MiniLM-L6-v2


class MiniLMNumpy:
    """A BERT encoder with mean pooling over numpy arrays (the weights load when it is made)."""

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
            raise ValueError(f"{path} is not a BERT model with GELU activations")
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.w = load_file(str(path / "model.safetensors"))
        for name in [n for n in self.w if n.endswith(".weight") and self.w[n].ndim == 2]:
            if "embeddings" not in name:  # dense layers: x @ W.T, stored transposed once
                self.w[name] = np.ascontiguousarray(self.w[name].T)
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_SEQ_LENGTH)
        self.tokenizer.no_padding()

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        scaled = (x - mean) / np.sqrt(var + self.eps, dtype=np.float32)
        return scaled * self.w[f"{name}.weight"] + self.w[f"{name}.bias"]

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        flat = x.reshape(-1, x.shape[-1]) @ self.w[f"{name}.weight"] + self.w[f"{name}.bias"]
        return flat.reshape(*x.shape[:-1], flat.shape[-1])

    def _layer(self, x: np.ndarray, bias: np.ndarray, i: int) -> np.ndarray:
        from scipy.special import erf

        p = f"encoder.layer.{i}"
        batch, length, width = x.shape
        size = width // self.heads

        def split(t: np.ndarray) -> np.ndarray:
            return t.reshape(batch, length, self.heads, size).transpose(0, 2, 1, 3)

        q = split(self._dense(x, f"{p}.attention.self.query"))
        k = split(self._dense(x, f"{p}.attention.self.key"))
        v = split(self._dense(x, f"{p}.attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size) + bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, width)
        x = self._norm(x + self._dense(context, f"{p}.attention.output.dense"),
                       f"{p}.attention.output.LayerNorm")
        h = self._dense(x, f"{p}.intermediate.dense")
        h = 0.5 * h * (1.0 + erf(h * (1.0 / math.sqrt(2.0))))  # exact GELU, as BERT's "gelu"
        return self._norm(x + self._dense(h, f"{p}.output.dense"), f"{p}.output.LayerNorm")

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length sentence vectors, one row per text (float32)."""
        if not texts:
            return np.zeros((0, self.w["embeddings.word_embeddings.weight"].shape[1]), "float32")
        encodings = self.tokenizer.encode_batch(list(texts))
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=np.float32)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1.0
        x = (self.w["embeddings.word_embeddings.weight"][ids]
             + self.w["embeddings.position_embeddings.weight"][:length]
             + self.w["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, "embeddings.LayerNorm")
        bias = ((1.0 - mask) * float(np.finfo(np.float32).min))[:, None, None, :]
        for i in range(self.layers):
            x = self._layer(x, bias, i)
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norms).astype(np.float32)
