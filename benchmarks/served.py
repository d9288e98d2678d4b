"""Figure 5 (the served app under N concurrent gradio_client sessions) and `coach serve` peak RSS.

The app (coach/web/app.py, `ask` API) runs as `coach serve --port P` in its own process; the clients
run here, on loopback, so they share the machine's cores with the server (as a laptop would).
"""

from __future__ import annotations

import importlib.util
import itertools
import socket
import subprocess
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from benchmarks.context import Bench
from benchmarks.questions import variant
from benchmarks.report import Row, ratio_row, unavailable
from benchmarks.timing import HighWater, coach_cmd, percentile

FIGURE = "served app"


def available() -> str | None:
    """None when the web app can be served, else why not."""
    if importlib.util.find_spec("coach.web.app") is None:
        return "coach/web/app.py not written yet"
    if importlib.util.find_spec("coach.cli.serve") is None:
        return "`coach serve` not written yet"
    if importlib.util.find_spec("gradio_client") is None:
        return "gradio_client not installed"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(bench: Bench, **env_extra: str) -> tuple[subprocess.Popen, str]:
    """`coach serve --port P` in its own process; returns once the page answers."""
    port = _free_port()
    with open(bench.root / "serve.log", "wb") as log:  # the child keeps its own copy
        # The per-client rate limit is off: loopback sessions share one host bucket, and this
        # measures serving capacity, not the limiter.
        env = bench.env(COACH_RATE_CLIENT_PER_MINUTE="0", **env_extra)
        proc = subprocess.Popen(coach_cmd("serve", "--port", str(port)), env=env,
                                cwd=bench.root, stdout=log, stderr=log,
                                stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = (bench.root / "serve.log").read_text("utf-8", "replace")[-800:]
            raise RuntimeError(f"coach serve exited {proc.returncode}: {tail}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.25)
    proc.kill()
    raise RuntimeError(f"coach serve did not answer on {url} within 180 s")


def stop_server(proc: subprocess.Popen) -> None:
    """Terminate `coach serve` (kill it after 15 s)."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def load(url: str, sessions: int, seconds: float, questions: list[str], offset: int = 0) -> dict:
    """`sessions` concurrent gradio_client sessions asking in a loop for `seconds`."""
    from gradio_client import Client

    connecting = time.perf_counter()
    with ThreadPoolExecutor(sessions) as pool:  # connect first, outside the timed window
        clients = list(pool.map(lambda _: Client(url, verbose=False, download_files=False),
                                range(sessions)))
    connect_s = time.perf_counter() - connecting
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start_line = threading.Barrier(sessions + 1)
    counter = itertools.count(offset)

    def session(i: int) -> None:
        client = clients[i]
        start_line.wait()
        while time.perf_counter() < deadline:
            n = next(counter)  # atomic in CPython
            question = variant(questions[n % len(questions)], 1000 + n // len(questions))
            begin = time.perf_counter()
            try:
                result = client.predict(question, "[]", api_name="/ask")
                if not isinstance(result, dict) or not result.get("answer"):
                    raise ValueError(f"unexpected reply {str(result)[:80]}")
            except Exception as exc:  # every failure is counted, not raised
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            with lock:
                latencies.append(time.perf_counter() - begin)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(sessions)]
    for thread in threads:
        thread.start()
    deadline = time.perf_counter() + seconds
    start_line.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    with ThreadPoolExecutor(sessions) as pool:  # each close() waits up to 1 s for a thread
        list(pool.map(lambda client: client.close(), clients))
    return {"sessions": sessions, "completed": len(latencies), "errors": len(errors),
            "first_errors": errors[:20], "elapsed": elapsed, "connect_s": connect_s,
            "latencies": latencies}


def load_json_route(url: str, sessions: int, seconds: float, questions: list[str],
                    offset: int = 0) -> dict:
    """`sessions` concurrent clients on POST /api/v1/ask, each one keep-alive HTTP connection
    (http.client: the load generator should cost the shared cores as little as it can)."""
    import http.client
    import json
    from urllib.parse import urlsplit

    from coach.web.rest import PATH, dumps

    parts = urlsplit(url)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start_line = threading.Barrier(sessions + 1)
    counter = itertools.count(offset)
    stop_at = [0.0]

    def session(_: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        start_line.wait()
        while time.perf_counter() < stop_at[0]:
            n = next(counter)
            question = variant(questions[n % len(questions)], 1000 + n // len(questions))
            begin = time.perf_counter()
            try:
                conn.request("POST", PATH, body=dumps(question),
                             headers={"Content-Type": "application/json"})
                reply = conn.getresponse()
                body = json.loads(reply.read())
                if reply.status != 200 or not body.get("answer"):
                    raise ValueError(f"HTTP {reply.status}: {str(body)[:80]}")
            except Exception as exc:  # every failure is counted, not raised
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            with lock:
                latencies.append(time.perf_counter() - begin)
        conn.close()

    threads = [threading.Thread(target=session, args=(i,)) for i in range(sessions)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    start_line.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return {"sessions": sessions, "completed": len(latencies), "errors": len(errors),
            "first_errors": errors[:20], "elapsed": time.perf_counter() - began,
            "connect_s": 0.0, "latencies": latencies, "route": "json"}


def warm_up(url: str, questions: list[str]) -> None:
    """Ask every question once, so the server's caches are as warm as the in-process Coach's."""
    from gradio_client import Client

    client = Client(url, verbose=False, download_files=False)
    for question in questions:
        client.predict(question, "[]", api_name="/ask")
    client.close()


def in_process(coach, questions: list[str], seconds: float) -> dict:  # noqa: ANN001
    """Sequential Coach.ask() for `seconds`: the in-process throughput to compare with.

    Called from a worker thread, as the app calls it (torch's threading differs between the main
    thread and others: on a busy machine the main thread can be several times slower).
    """
    latencies = []
    began = time.perf_counter()
    while time.perf_counter() - began < seconds:
        n = len(latencies)
        start = time.perf_counter()
        coach.ask(variant(questions[n % len(questions)], 1000 + n // len(questions)))
        latencies.append(time.perf_counter() - start)
    return {"elapsed": time.perf_counter() - began, "latencies": latencies}


def run(bench: Bench) -> None:
    import psutil

    why = available()
    if why:
        bench.report.rows.append(unavailable(FIGURE, why))
        return
    questions = [q.q for q in bench.questions_subset()]
    seconds = bench.params.served_seconds
    floor_rss = bench.floor_process().peak_rss_mb
    starting = time.perf_counter()
    proc, url = start_server(bench)
    startup_s = time.perf_counter() - starting
    try:
        rss = HighWater(proc.pid, interval=0.1)
        warm_up(url, questions)  # both sides answer each question once before timing
        for question in questions:
            bench.coach.ask(question)
        with ThreadPoolExecutor(1) as worker:
            base = worker.submit(in_process, bench.coach, questions, seconds).result()
        base_rate = len(base["latencies"]) / base["elapsed"]
        base_p95 = percentile(base["latencies"], 95)
        results = []
        server = psutil.Process(proc.pid)
        for i, n in enumerate(bench.params.served_levels):
            for j, generator in enumerate((load, load_json_route)):
                before = (sum(server.cpu_times()[:2]), time.process_time())
                results.append(generator(url, n, seconds, questions,
                                         offset=100_000 * (2 * i + j + 1)))
                # Where the CPU went: the server, or the clients in this process.
                results[-1]["server_cpu_s"] = sum(server.cpu_times()[:2]) - before[0]
                results[-1]["client_cpu_s"] = time.process_time() - before[1]
        rss.read()
        peak = rss.stop_mb()
    finally:
        stop_server(proc)
    bench.report.raw["served"] = {"startup_s": startup_s, "in_process": base, "levels": results}
    for r in results:
        n, done, errors = r["sessions"], r["completed"], r["errors"]
        rate = done / r["elapsed"] if r["elapsed"] else 0.0
        how = ("POST /api/v1/ask (http.client keep-alive)" if r.get("route") == "json"
               else "gradio_client /ask")
        target = "≥ 0.8×, 0 errors" if r.get("route") == "json" and n == 10 else "0 errors"
        met = errors == 0 and done > 0 and (target == "0 errors" or rate >= 0.8 * base_rate)
        bench.report.rows.append(Row(
            f"served, {n} session(s), {how}: throughput vs in-process ask()", rate, base_rate,
            "req/s", target=target, met=met,
            note=f"{done} answers, {errors} errors in {r['elapsed']:.0f} s; CPU-s server "
                 f"{r['server_cpu_s']:.1f} / load generator {r['client_cpu_s']:.1f}"))
        if r["latencies"]:
            bench.report.rows.append(ratio_row(
                f"served, {n} session(s), {how}: p95 latency vs in-process ask() p95",
                percentile(r["latencies"], 95), base_p95, "ms"))
    single = next((r for r in results if r["sessions"] == 1 and r["latencies"]
                   and r.get("route") == "json"), None)
    if single is not None:  # what the web layer adds to one answer (HTTP, queue, JSON, client)
        served_p50 = percentile(single["latencies"], 50)
        base_p50 = percentile(base["latencies"], 50)
        bench.report.rows.append(ratio_row(
            "served, 1 session: per-request web overhead (p50 served - p50 in-process) vs "
            "in-process p50", max(0.0, served_p50 - base_p50), base_p50, "ms",
            note="POST /api/v1/ask on loopback"))
    bench.report.notes.append(
        "Served app: the load generator runs on the same two cores as the server (CPU-s per "
        "level in each row's note). gradio_client's queue + server-sent-events round trip costs "
        "more CPU than the answer itself; POST /api/v1/ask is one HTTP round trip.")
    bench.report.rows.append(ratio_row("peak RSS of `coach serve` vs model-only process", peak,
                                       floor_rss, "MB", note="VmHWM, under the load above"))
