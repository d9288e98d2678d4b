"""The server process: `python -m coach.local_llm.worker --model PATH --port P ...`.

Runs llama.cpp's embedded OpenAI-compatible HTTP server (xllamacpp) until SIGTERM/SIGINT.
A separate process so a crash or a stuck generation never takes the coach down, and so
stopping it frees the model's memory at once.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="coach-local-llm-worker")
    parser.add_argument("--model", required=True)
    parser.add_argument("--alias", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--ctx", type=int, default=2048)
    args = parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    import xllamacpp as xlc

    params = xlc.CommonParams()
    params.model.path = args.model
    params.model_alias = {args.alias}  # a set: a plain string is rejected
    params.hostnames = [args.host]
    params.port = args.port
    params.n_ctx = args.ctx
    params.n_parallel = 1  # one generation at a time: two would halve the speed of each
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.endpoint_slots = True  # lets tests see that an abandoned request stopped
    params.endpoint_metrics = True
    server = xlc.Server(params)
    print(f"ready {server.listening_address}", flush=True)
    stop.wait()
    del server  # joins llama.cpp's main loop: in-flight requests end, memory is freed
    return 0


if __name__ == "__main__":
    sys.exit(main())
