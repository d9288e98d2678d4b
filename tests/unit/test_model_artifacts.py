"""The models shipped in coach/ask/cards/data/ are all read by artifact.read_model: a damaged file
is a ConfigError naming it, never a raw numpy or zip error."""

from __future__ import annotations

import pytest

from coach.ask.cards import polarity, ranker, reader
from coach.errors import ConfigError

LOADERS = [(polarity, "polarity.npz", polarity.load_polarity),
           (ranker, "point_ranker.npz", ranker.load_ranker),
           (reader, "intent_reader.npz", reader.load_reader)]


@pytest.mark.parametrize("content", [b"not a zip file", b"PK\x03\x04 not a zip"])
@pytest.mark.parametrize(("module", "name", "load"), LOADERS)
def test_a_damaged_model_file_is_a_config_error_naming_it(module, name, load, content,
                                                          monkeypatch, tmp_path):
    bad = tmp_path / name
    bad.write_bytes(content)
    monkeypatch.setattr(module, "model_path", lambda: bad)
    monkeypatch.setattr(module, "_LOADED", {})  # the shipped model, if loaded, is put back after
    with pytest.raises(ConfigError, match=name.replace(".", r"\.")):
        load()
