"""The local-model plumbing without starting a model: missing extra, bad paths, the
/v1/models check (against the project's OpenAI-compatible test server), CLI wiring."""

from __future__ import annotations

import importlib.util

import pytest
from openai_server import OpenAIServer, closed_port

from coach.cli import main
from coach.errors import ConfigError, LLMError
from coach.local_llm import LocalServer, verify_model
from coach.local_llm.limits import LOCAL_LIMITS, local_environment


def test_missing_extra_says_what_to_install(monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "xllamacpp" else real(name, *a))
    with pytest.raises(ConfigError, match=r'pip install -e "\.\[local\]"'):
        LocalServer().start()
    assert main(["local-llm"]) == 1
    assert "not installed" in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("xllamacpp") is None, reason="needs [local]")
def test_a_path_that_is_not_a_gguf_model_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="No model file"):
        LocalServer(tmp_path / "missing.gguf").start()
    text = tmp_path / "notes.txt"
    text.write_text("not a model")
    with pytest.raises(ConfigError, match="not a .gguf file"):
        LocalServer(text).start()


def test_the_model_name_is_checked_against_v1_models():
    with OpenAIServer() as server:
        verify_model(server.base_url, server.model)  # the served name passes
        with pytest.raises(ConfigError, match="does not serve the model 'gpt-typo'") as err:
            verify_model(server.base_url, "gpt-typo")
        assert server.model in str(err.value)  # and the message names what is served
    with pytest.raises(LLMError, match="is the LLM server running"):
        verify_model(f"http://127.0.0.1:{closed_port()}/v1", "any")


def test_local_limits_only_fill_what_is_unset(monkeypatch):
    class Running:
        base_url, alias = "http://127.0.0.1:9/v1", "smollm2-135m-instruct"

    monkeypatch.setenv("COACH_LLM_MAX_TOKENS", "333")
    env = local_environment(Running())
    assert "COACH_LLM_MAX_TOKENS" not in env  # the student's own setting wins
    assert env["COACH_LLM_DEADLINE"] == LOCAL_LIMITS["COACH_LLM_DEADLINE"]
    assert env["OPENAI_BASE_URL"] == Running.base_url
    assert env["COACH_LLM_MODEL"] == Running.alias


def test_cli_registers_the_commands(capsys):
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    assert "--local-model" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["local-llm", "--help"])
    assert "GGUF" in capsys.readouterr().out


def test_eval_with_the_llm_engine_checks_the_model_name_first(monkeypatch, capsys, tmp_path):
    from coach.config import get_settings

    with OpenAIServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test")
        monkeypatch.setenv("COACH_LLM_MODEL", "gpt-typo")
        get_settings.cache_clear()
        code = main(["eval", "--engine", "llm", "--suite", "qa", "--out", str(tmp_path)])
        chats = len(server.chat_requests)
    get_settings.cache_clear()
    err = capsys.readouterr().err
    assert code != 0 and "does not serve the model 'gpt-typo'" in err
    assert chats == 0  # no answer was attempted
    assert not (tmp_path / "report.json").exists()
