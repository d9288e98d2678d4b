"""`coach serve`: start the web app (Ask, My plan, Email, Rehearse) on this machine."""

from __future__ import annotations

import argparse
import sys

from coach.errors import CoachError, LLMError


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "serve", help="start the web app",
        description="Start the Mentor Coach web app. It listens on 127.0.0.1 only unless told "
        "otherwise; set COACH_AUTH=user:password to require a login.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1; 0.0.0.0 for all)")
    parser.add_argument("--port", type=int, default=7860, help="port (default: 7860)")
    parser.add_argument("--share", action="store_true",
                        help="also open a temporary public gradio.live link (off by default)")
    parser.add_argument("--local-model", nargs="?", const="", default=None, metavar="PATH.gguf",
                        help="start a local llama.cpp model server and answer with it (default "
                        "model: the bundled SmolLM2-135M demo; needs the [local] extra)")
    from coach.cli.local_llm import add_model_arguments

    add_model_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.local_model is None:
        return serve(args)
    from coach.cli.local_llm import progress
    from coach.local_llm import LocalServer
    from coach.local_llm.limits import use_local_server

    with LocalServer(args.local_model or None, threads=args.threads, context=args.ctx,
                     progress=progress) as server:
        use_local_server(server)
        return serve(args)


def serve(args: argparse.Namespace) -> int:
    from coach.ask.answer import Coach
    from coach.config import get_settings
    from coach.web.app import build_app, launch, parse_auth

    if not 0 < args.port < 65536:
        from coach.errors import InputError

        raise InputError(f"--port must be between 1 and 65535 (got {args.port}).")
    settings = get_settings()
    auth = parse_auth(settings.auth)  # fail fast on a malformed COACH_AUTH
    if settings.llm_configured and settings.openai_base_url:
        from coach.local_llm.check import verify_model

        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        try:
            verify_model(settings.openai_base_url, settings.llm_model, key)  # a typo fails here
        except LLMError as exc:  # down now: answers fall back to the guide until it is up
            print(f"Mentor Coach: warning: {exc}", file=sys.stderr)
    from coach.embeddings import load_full_model, set_torch_threads

    threads = set_torch_threads(settings.intra_op_threads)  # before the first embedding
    print(f"Mentor Coach: opening the guide index (it is built on first run); {threads} torch "
          f"thread(s), {settings.serve_concurrency} answer(s) at once…", file=sys.stderr,
          flush=True)
    coach = Coach.from_settings(settings)
    print("Mentor Coach: warming up…", file=sys.stderr, flush=True)
    load_full_model(coach.retriever.store.embeddings)  # warm, torch embeds batches faster
    try:  # the first answer loads the safety and retrieval models; do it before anyone waits
        coach.ask("How do I find a mentor?", engine="guide")
    except CoachError:
        pass
    app = build_app(coach)
    if args.host not in ("127.0.0.1", "localhost", "::1") and not auth:
        print("Mentor Coach: warning: listening beyond this machine without COACH_AUTH set.",
              file=sys.stderr)
    try:
        launch(app, host=args.host, port=args.port, share=args.share, auth=auth)
    except OSError as exc:  # e.g. the port is taken
        raise CoachError(f"Cannot start the web app on {args.host}:{args.port}: {exc}. "
                         "Try another --port.") from None
    return 0
