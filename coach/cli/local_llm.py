"""`coach local-llm`: run a llama.cpp server with a GGUF model on loopback, on its own."""

from __future__ import annotations

import argparse
import shlex
import sys
import threading


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads for the model (default 1: best on a busy machine)")
    parser.add_argument("--ctx", type=int, default=2048, help="context size in tokens")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "local-llm", help="run a local llama.cpp model server (needs the [local] extra)",
        description="Start llama.cpp's OpenAI-compatible server on 127.0.0.1 with a GGUF model "
        "(default: the bundled SmolLM2-135M demo model) and print the settings that point the "
        "coach at it. Ctrl-C stops it.")
    parser.add_argument("model", nargs="?", help="path of a .gguf model (default: bundled)")
    parser.add_argument("--port", type=int, default=8090, help="port (default: 8090)")
    add_model_arguments(parser)
    parser.set_defaults(handler=run)


def progress(message: str) -> None:
    print(f"Mentor Coach: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from coach.errors import InputError
    from coach.local_llm import LocalServer
    from coach.local_llm.limits import local_environment

    if not 0 < args.port < 65536:
        raise InputError(f"--port must be between 1 and 65535 (got {args.port}).")
    if args.threads < 1:
        raise InputError("--threads must be at least 1.")
    with LocalServer(args.model, port=args.port, threads=args.threads, context=args.ctx,
                     progress=progress) as server:
        print("# Point the coach at it (in another shell):")
        for key, value in local_environment(server).items():
            print(f"export {key}={shlex.quote(value)}")
        sys.stdout.flush()
        progress("serving; press Ctrl-C to stop")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            progress("stopping the model server")
    return 0
