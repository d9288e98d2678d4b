"""A local OpenAI-compatible chat server for tests: scripted replies, recorded requests.

Runs a stdlib `ThreadingHTTPServer` on 127.0.0.1 (a free port) in a background thread and
implements `POST /v1/chat/completions` (JSON, and SSE when the request has `"stream": true`)
plus `GET /v1/models`, so the real `openai` client (through `ChatOpenAI`) can be exercised.

    with OpenAIServer() as server:
        server.enqueue(rate_limited(), ok("Follow up politely [1]."))
        settings = Settings(openai_base_url=server.base_url, openai_api_key="sk-test")
        ...
        assert len(server.requests) == 2

Each request consumes the next scripted `Reply` (then `default`, an `ok` reply, is used).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_TEXT = "Follow up once or twice, politely, and keep building your team of mentors [1]."


@dataclass(frozen=True)
class Reply:
    """One scripted behaviour; build it with ok(), status(), delay(), cut() or malformed()."""

    kind: str  # "ok" | "status" | "cut" | "malformed"
    text: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering; more than the client's timeout = a timeout


def ok(text: str = DEFAULT_TEXT) -> Reply:
    """A normal completion: streamed word by word when the client asks for a stream."""
    return Reply("ok", text=text)


def status(code: int, message: str = "scripted error", retry_after: str | None = None) -> Reply:
    """An HTTP error with an OpenAI-style error body (and Retry-After when given)."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Reply("status", text=message, status=code, headers=headers)


def rate_limited() -> Reply:
    """429 with `Retry-After: 0` (the client then backs off briefly and retries)."""
    return status(429, "Rate limit reached (scripted)", retry_after="0")


def server_error() -> Reply:
    return status(500, "Internal server error (scripted)")


def delay(seconds: float, then: Reply | None = None) -> Reply:
    """Wait `seconds` before sending `then` (default ok()): longer than the timeout = a timeout."""
    reply = then or ok()
    return Reply(reply.kind, reply.text, reply.status, reply.headers, delay=seconds)


def cut(text: str = DEFAULT_TEXT) -> Reply:
    """Stream the first half of `text`, then drop the connection (no [DONE], no final chunk)."""
    return Reply("cut", text=text)


def malformed() -> Reply:
    """A 200 whose body (or SSE event) is not valid JSON."""
    return Reply("malformed")


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: dict | str | None


class OpenAIServer:
    """The server; use as a context manager (or start()/stop()). Thread-safe queue and log."""

    def __init__(self, default: Reply | None = None, model: str = "gpt-4o-mini") -> None:
        self.default = default or ok()
        self.model = model
        self.requests: list[Recorded] = []
        self._queue: list[Reply] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def next_reply(self) -> Reply:
        with self._lock:
            return self._queue.pop(0) if self._queue else self.default

    def record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    @property
    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def start(self) -> OpenAIServer:
        handler = type("Handler", (_Handler,), {"server_state": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.05})
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # delayed handlers stop waiting
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def closed_port() -> int:
    """A local port nothing listens on (for connection-refused tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pieces(text: str) -> list[str]:
    return re.findall(r"\S+\s*", text) or [text]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # chunked streaming, so a cut stream is a real protocol error
    server_state: OpenAIServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep test output quiet
        pass

    def _record(self) -> dict | str | None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else None
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server_state.record(Recorded(self.command, self.path, headers, body))
        return body

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._record()
        if self.path.rstrip("/").endswith("/models"):
            model = self.server_state.model
            self._json(200, {"object": "list", "data": [{"id": model, "object": "model"}]})
        else:
            self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self) -> None:  # noqa: N802
        body = self._record()
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            return
        reply = self.server_state.next_reply()
        if reply.delay and self.server_state._stopping.wait(reply.delay):
            return
        stream = isinstance(body, dict) and bool(body.get("stream"))
        model = body.get("model", self.server_state.model) if isinstance(body, dict) else "?"
        try:
            if reply.kind == "status":
                error = {"message": reply.text, "type": "scripted", "code": str(reply.status)}
                self._json(reply.status, {"error": error}, reply.headers)
            elif reply.kind == "malformed" and not stream:
                self._send(200, b'{"id": "chatcmpl-bad", "choices": [', "application/json")
            elif stream:
                self._stream(reply, model)
            else:
                self._json(200, _completion(reply.text, model))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout): nothing to tell it

    def _send(self, code: int, data: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _json(self, code: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        self._send(code, json.dumps(payload).encode(), "application/json", headers)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _event(self, payload: dict | str) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        self._chunk(f"data: {text}\n\n".encode())

    def _stream(self, reply: Reply, model: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if reply.kind == "malformed":
            self._event("{not json")
            self._event("[DONE]")
            self._chunk(b"")
            return
        pieces = _pieces(reply.text)
        if reply.kind == "cut":
            pieces = pieces[: max(1, len(pieces) // 2)]
        self._event(_delta({"role": "assistant", "content": ""}, model))
        for piece in pieces:
            self._event(_delta({"content": piece}, model))
            time.sleep(0.005)  # let the client see separate chunks
        if reply.kind == "cut":  # drop the connection mid-answer
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._event(_delta({}, model, finish="stop"))
        self._event("[DONE]")
        self._chunk(b"")  # the last chunk of a chunked body


def _delta(delta: dict, model: str, finish: str | None = None) -> dict:
    return {
        "id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()),
        "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _completion(text: str, model: str) -> dict:
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": len(text.split()),
                  "total_tokens": 10 + len(text.split())},
    }
