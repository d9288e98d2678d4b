"""A tiny OpenAI-compatible chat server with a fixed delay, recording when requests arrive and
when it sends its first token. Run it as `python benchmarks/llm_server.py --delay 0.2`.

Times are `time.monotonic()` (CLOCK_MONOTONIC: one clock for every process on a Linux machine),
so the benchmark can subtract them from its own. GET /events returns and clears the records.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPLY = ("Start by naming what you need from a mentor, then reach out with a short, specific "
         "email. If they do not reply, follow up politely after a week. "
         "*From the guide: Finding faculty mentors.*").split(" ")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real server would
    events: list[dict] = []
    lock = threading.Lock()
    delay = 0.2

    def log_message(self, *args) -> None:  # noqa: ANN002 - quiet
        pass

    def _send_json(self, status: int, data: object) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        with self.lock:
            events, Handler.events = Handler.events, []
        self._send_json(200, events)

    def _chunk(self, delta: dict, finish: str | None = None) -> None:
        data = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0,
                "model": "bench", "choices": [{"index": 0, "delta": delta,
                                               "finish_reason": finish}]}
        payload = f"data: {json.dumps(data)}\n\n".encode()
        self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        self.wfile.flush()

    def do_POST(self) -> None:  # noqa: N802
        event = {"arrival": time.monotonic()}  # headers are parsed: the request has arrived
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        event["stream"] = bool(body.get("stream"))
        time.sleep(self.delay)  # the model "thinking" before its first token
        if not event["stream"]:
            event["first_send"] = time.monotonic()
            self._send_json(200, {
                "id": "chatcmpl-bench", "object": "chat.completion", "created": 0,
                "model": "bench", "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                            "total_tokens": 2},
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": " ".join(REPLY)}}]})
        else:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self._chunk({"role": "assistant", "content": ""})
            for i, word in enumerate(REPLY):
                if i == 0:
                    event["first_send"] = time.monotonic()
                self._chunk({"content": word if i == 0 else f" {word}"})
            self._chunk({}, finish="stop")
            done = b"data: [DONE]\n\n"
            self.wfile.write(f"{len(done):x}\r\n".encode() + done + b"\r\n0\r\n\r\n")
            self.wfile.flush()
        with self.lock:
            Handler.events.append(event)


def serve(port: int = 0, delay: float = 0.2) -> ThreadingHTTPServer:
    """A started server (in a daemon thread); its port is `server.server_address[1]`."""
    Handler.delay = delay
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.2)
    args = parser.parse_args()
    server = serve(args.port, args.delay)
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()


if __name__ == "__main__":
    main()
