"""Load with reconciliation, and the fault drills that run under it.

N simulated learners (threads, stdlib http.client, cookies and CSRF tokens like a browser)
sign in, read lessons, mark them done, then start, save and submit quiz attempts without
think time for a bounded time, against gunicorn on loopback. Afterwards every submission the
client saw acknowledged (a 302 from submit) must be in the database exactly once, graded
once; any 5xx outside a fault window, any 500, or a traceback in a body fails the run.

    .venv/bin/python bench/load.py                          # SQLite, 64 learners, 30 s
    .venv/bin/python bench/load.py --db postgresql
    .venv/bin/python bench/load.py --users 32 --p99-ms 200  # the quiz-submission budget
    .venv/bin/python bench/load.py --fault kill-worker
    .venv/bin/python bench/load.py --fault pg-restart --db postgresql
    .venv/bin/python bench/load.py --fault disk-full        # SQLite max_page_count

It also reports the cold start (gunicorn spawned to the first 200 of a course page), the CPU
the workers spent per request, and each worker's memory after the load (with --max-rss-mb
120 a worker over budget fails the run). Exit 0 only if every property held; the reasons
are printed otherwise.
"""

import argparse
import http.client
import os
import random
import re
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import setup  # noqa: E402
from bench.harness import (  # noqa: E402
    PG_ADMIN,
    Server,
    cpu_seconds,
    create_pg_database,
    drop_pg_database,
    memory_mb,
    pg_cluster_restart,
    prepare_database,
    server_env,
    sqlite_url,
)

CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
ANSWER = re.compile(r'type="(radio|checkbox)" id="[^"]+" name="(q-[^"]+)" value="(\d+)"')
NOT_LESSONS = {"quiz", "pre-quiz", "print", "job-aid", "edit", "export", "stats", "copy"}
TRACEBACK = "Traceback (most recent call last)"
WRITES = {"login", "lesson-done", "start", "save", "submit"}
CLEAR_503 = "Hệ thống đang bận hoặc đang bảo trì"  # portal/errors.py, the 503 page


class Transport(Exception):
    """The connection failed or timed out: the outcome of the request is unknown."""


class Browser:
    """One learner's connection and cookies."""

    def __init__(self, base, stats):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.cookies = {}
        self.stats = stats
        self.conn = None

    def request(self, kind, method, path, form=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = {"Host": f"{self.host}:{self.port}", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = None
            self.stats.record(kind, "error", time.monotonic() - started, None)
            raise Transport(f"{method} {path}: {type(exc).__name__}") from exc
        if response.getheader("Connection", "").lower() == "close" or response.will_close:
            self.conn.close()
            self.conn = None
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value and morsel["max-age"] not in ("0",):
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        text = data.decode("utf-8", "replace")
        self.stats.record(kind, response.status, time.monotonic() - started, text)
        return response.status, response.getheader("Location", ""), text


@dataclass
class Stats:
    started: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: dict = field(default_factory=dict)  # (kind, status) -> n
    latency: dict = field(default_factory=dict)  # kind -> [seconds] of answered requests
    server_errors: list = field(default_factory=list)  # (seconds since start, kind, status)
    tracebacks: int = 0
    acknowledged: set = field(default_factory=set)  # attempt ids whose submit returned 302
    unknown: set = field(default_factory=set)  # submits whose outcome was not seen
    started_attempts: set = field(default_factory=set)
    ack_times: list = field(default_factory=list)  # seconds since start of each acknowledgement
    unclear: int = 0  # 5xx answers without the portal's error page
    timeline: list = field(default_factory=list)  # (seconds since start, kind, latency)

    def record(self, kind, status, seconds, text):
        with self.lock:
            if isinstance(status, int) and status >= 500 and CLEAR_503 not in (text or ""):
                self.unclear += 1
            self.counts[(kind, status)] = self.counts.get((kind, status), 0) + 1
            if status != "error":
                self.latency.setdefault(kind, []).append(seconds)
                self.timeline.append((time.monotonic() - self.started, kind, seconds))
            if isinstance(status, int) and status >= 500:
                self.server_errors.append((time.monotonic() - self.started, kind, status))
            if text and TRACEBACK in text:
                self.tracebacks += 1


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _csrf(text):
    found = CSRF.search(text)
    value = re.search(r'value="([^"]+)"', found.group(0)) if found else None
    return value.group(1) if value else ""


class Learner(threading.Thread):
    """Sign in, read and complete lessons, then attempt the quiz until the time is up."""

    def __init__(self, base, login, course, stats, deadline, seed):
        super().__init__(daemon=True)
        self.browser = Browser(base, stats)
        self.login, self.course, self.stats, self.deadline = login, course, stats, deadline
        self.rng = random.Random(seed)
        self.lessons = []
        self._done = set()

    def run(self):
        while time.monotonic() < self.deadline:
            try:
                if not self.browser.cookies.get("session") or not self._signed_in:
                    self._sign_in()
                self._read_lessons()
                self._attempt()
            except Transport:
                time.sleep(0.05)
            except Retry:
                time.sleep(0.1)

    _signed_in = False

    def _sign_in(self):
        status, _loc, text = self.browser.request("login-page", "GET", "/login")
        if status != 200:
            raise Retry
        status, _loc, _text = self.browser.request(
            "login",
            "POST",
            "/login",
            {"login": self.login, "password": setup.LEARNER_PASSWORD, "csrf_token": _csrf(text)},
        )
        if status != 302:
            raise Retry
        self._signed_in = True

    def _read_lessons(self):
        course = f"/courses/{self.course}/"
        if not self.lessons:
            status, _loc, text = self.browser.request("course", "GET", course)
            if status != 200:
                raise Retry
            pattern = re.compile(rf'href="(/courses/{self.course}/[a-z0-9-]+)"')
            links = dict.fromkeys(pattern.findall(text))
            self.lessons = [p for p in links if p.rsplit("/", 1)[1] not in NOT_LESSONS]
            if not self.lessons:
                raise Retry
        lesson = self.rng.choice(self.lessons)
        status, _loc, text = self.browser.request("lesson", "GET", lesson)
        if status == 302:  # signed out (a session ended): sign in again
            self._signed_in = False
            raise Retry
        if status == 200 and lesson not in self._done and 'action="' + lesson + '/done"' in text:
            status, _loc, _t = self.browser.request(
                "lesson-done", "POST", lesson + "/done", {"csrf_token": _csrf(text)}
            )
            if status == 302:
                self._done.add(lesson)

    def _attempt(self):
        base = f"/courses/{self.course}"
        status, _loc, text = self.browser.request("quiz-page", "GET", base + "/quiz")
        if status != 200:
            self._signed_in = status != 302
            raise Retry
        status, location, _t = self.browser.request(
            "start", "POST", base + "/quiz/start", {"csrf_token": _csrf(text)}
        )
        found = re.search(r"/attempts/(\d+)", location or "")
        if status != 302 or not found:
            raise Retry
        attempt_id = int(found.group(1))
        with self.stats.lock:
            self.stats.started_attempts.add(attempt_id)
        page = urlsplit(location).path
        status, _loc, text = self.browser.request("attempt-page", "GET", page)
        if status != 200 or 'action="' + page + '/save"' not in text:
            raise Retry
        token = _csrf(text)
        options = {}
        for kind, name, value in ANSWER.findall(text):
            options.setdefault(name, (kind, []))[1].append(value)
        answers = {}
        for name, (kind, values) in options.items():
            if kind == "radio":
                answers[name] = [self.rng.choice(values)]
            else:
                answers[name] = self.rng.sample(values, self.rng.randint(1, len(values)))
        half = dict(list(answers.items())[: len(answers) // 2])
        self.browser.request(
            "save", "POST", page + "/save", {"csrf_token": token, "page": "1", "go": "1", **half}
        )
        try:
            status, _loc, _t = self.browser.request(
                "submit", "POST", page + "/submit", {"csrf_token": token, "page": "1", **answers}
            )
        except Transport:
            with self.stats.lock:
                self.stats.unknown.add(attempt_id)
            raise
        with self.stats.lock:
            if status == 302:
                self.stats.acknowledged.add(attempt_id)
                self.stats.ack_times.append(time.monotonic() - self.stats.started)
            else:
                self.stats.unknown.add(attempt_id)  # e.g. a 503: may or may not have landed


class Retry(Exception):
    """Something answered other than expected (a fault window): try again shortly."""


def reconcile(url, stats):
    """Problems found comparing what the client saw with what the database holds."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    problems = []
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT a.id, a.state, a.score, COUNT(x.id), COUNT(DISTINCT x.question_id) "
                "FROM attempts a LEFT JOIN attempt_answers x ON x.attempt_id = a.id "
                "GROUP BY a.id, a.state, a.score"
            )
        ).all()
        by_id = {r[0]: r for r in rows}
        for attempt_id in sorted(stats.acknowledged):
            row = by_id.get(attempt_id)
            if row is None:
                problems.append(f"acknowledged attempt {attempt_id} is missing")
            elif row[1] != "submitted" or row[2] is None:
                problems.append(f"acknowledged attempt {attempt_id} is {row[1]}, not graded")
            elif row[3] == 0 or row[3] != row[4]:
                problems.append(f"attempt {attempt_id}: {row[3]} answers for {row[4]} questions")
        submitted = {r[0] for r in rows if r[1] == "submitted"}
        strays = submitted - stats.acknowledged - stats.unknown
        if strays:
            problems.append(
                f"{len(strays)} submitted attempts no client submitted: {sorted(strays)[:5]}"
            )
        doubles = conn.execute(
            text(
                "SELECT user_id, course_slug, kind, COUNT(*) FROM attempts WHERE state = 'open' "
                "GROUP BY user_id, course_slug, kind HAVING COUNT(*) > 1"
            )
        ).all()
        if doubles:
            problems.append(f"{len(doubles)} learners with two open attempts")
        live = conn.execute(
            text(
                "SELECT user_id, course_slug, COUNT(*) FROM certificates "
                "WHERE superseded_at IS NULL GROUP BY user_id, course_slug HAVING COUNT(*) > 1"
            )
        ).all()
        if live:
            problems.append(f"{len(live)} learners with two live certificates")
        if engine.dialect.name == "sqlite":
            check = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
            if check != "ok":
                problems.append(f"PRAGMA integrity_check: {check}")
    engine.dispose()
    return problems, len(submitted)


# Faults


@dataclass
class Fault:
    name: str
    at: float  # seconds into the load
    window: float = 0.0  # seconds during which 503s are expected, from `at`
    notes: list = field(default_factory=list)
    done_at: float | None = None


def run_fault(fault, server, args, directory, stats):
    time.sleep(fault.at)
    t0 = time.monotonic() - stats.started
    if fault.name == "kill-worker":
        victim = server.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        fault.notes.append(f"killed worker {victim} at {t0:.1f} s")
        for _ in range(100):
            time.sleep(0.1)
            pids = server.worker_pids()
            if victim not in pids and len(pids) == args.workers:
                fault.notes.append(
                    f"master replaced it within {time.monotonic() - stats.started - t0:.1f} s"
                )
                break
        else:
            fault.notes.append("FAIL: the master did not replace the killed worker")
    elif fault.name == "pg-restart":
        began = time.monotonic()
        pg_cluster_restart(args.pg_cluster)
        fault.notes.append(
            f"restarted PostgreSQL cluster {args.pg_cluster} at {t0:.1f} s "
            f"({time.monotonic() - began:.1f} s)"
        )
    elif fault.name == "disk-full":
        limit = Path(directory) / "max_page_count"
        import sqlite3

        with sqlite3.connect(Path(directory) / "bench.db") as conn:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
        limit.write_text(str(pages))
        fault.notes.append(f"disk full at {t0:.1f} s (max_page_count {pages})")
        time.sleep(fault.window)
        limit.unlink()
        fault.notes.append(f"space back at {time.monotonic() - stats.started:.1f} s")
    fault.done_at = time.monotonic() - stats.started


def _probe(server, path, signed_in_cookie=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    return response.status, body


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8231)
    parser.add_argument("--fault", choices=("none", "kill-worker", "pg-restart", "disk-full"))
    parser.add_argument("--p99-ms", type=float, default=None, help="fail if submit p99 is over")
    parser.add_argument("--max-rss-mb", type=float, help="fail if a worker's RSS is over")
    parser.add_argument("--max-outage", type=float, default=10, help="seconds of 503s allowed")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN)
    parser.add_argument(
        "--pg-cluster", default="main", help="cluster that --fault pg-restart restarts"
    )
    parser.add_argument("--pg-database", default="bench")
    parser.add_argument("--course", default=setup.QUIZ_COURSE)
    parser.add_argument("--log", help="keep the gunicorn log in this file")
    args = parser.parse_args(argv)
    fault_name = args.fault or "none"
    if fault_name == "pg-restart" and args.db != "postgresql":
        parser.error("--fault pg-restart needs --db postgresql")
    if fault_name == "disk-full" and args.db != "sqlite":
        parser.error("--fault disk-full needs --db sqlite")

    problems = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as directory:
        if args.db == "sqlite":
            url = sqlite_url(directory)
        else:
            url = create_pg_database(args.pg_database, args.pg_admin_url)
        server = None
        try:
            logins = prepare_database(url, args.users, directory)
            env = server_env(url, directory)
            app = "wsgi:app"
            if fault_name == "disk-full":
                env["BENCH_MAX_PAGE_COUNT_FILE"] = str(Path(directory) / "max_page_count")
                app = "bench.fulldisk_app:app"
            server = Server(
                env, args.port, args.workers, app, log=args.log or f"{directory}/gunicorn.log"
            )
            lesson = f"/courses/{args.course}/"
            cold = server.start(probe=lesson)
            print(f"cold start: {cold:.2f} s to the first 200 of {lesson}")
            problems += run_load(server, args, logins, fault_name, directory, url)
        finally:
            if server:
                server.stop()
                log = Path(server.log).read_text(errors="replace")
                raised = re.findall(r"^([\w.]+(?:Error|Exception|Failure)\b.*)$", log, re.M)
                for line, n in sorted(Counter(x[:200] for x in raised).items()):
                    print(f"server log: {n} x {line}")
                if TRACEBACK in log and fault_name == "none":
                    tail = log[log.index(TRACEBACK) :][:2000]
                    problems.append(f"a traceback in the server log:\n{tail}")
            if args.db == "postgresql":
                drop_pg_database(args.pg_database, args.pg_admin_url)
    for problem in problems:
        print(f"FAIL: {problem}")
    print("PASS" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


def _print_windows(stats, elapsed, width=5):
    """Submission latency window by window: the sign-in rush at the start shows apart."""
    for start in range(0, int(elapsed) + 1, width):
        inside = [(k, s) for t, k, s in stats.timeline if start <= t < start + width]
        submits = [s for k, s in inside if k == "submit"]
        if submits:
            print(
                f"  {start:3d}-{start + width:3d} s: {len(submits):4d} submissions, "
                f"p50 {percentile(submits, 50) * 1000:.0f} ms, "
                f"p99 {percentile(submits, 99) * 1000:.0f} ms; "
                f"{sum(1 for k, _s in inside if k == 'login')} sign-ins"
            )


def run_load(server, args, logins, fault_name, directory, url):
    problems = []
    stats = Stats()
    cpu = time.process_time(), {pid: cpu_seconds(pid) for pid in server.worker_pids()}
    deadline = time.monotonic() + args.seconds
    learners = [
        Learner(server.base, login, args.course, stats, deadline, seed=n)
        for n, login in enumerate(logins)
    ]
    for learner in learners:
        learner.start()
    fault = None
    if fault_name != "none":
        fault = Fault(fault_name, at=args.seconds / 3, window=min(5.0, args.seconds / 4))
        runner = threading.Thread(
            target=run_fault, args=(fault, server, args, directory, stats), daemon=True
        )
        runner.start()
    for learner in learners:
        learner.join(timeout=args.seconds + 60)
    if fault:
        runner.join(timeout=120)
        for note in fault.notes:
            print(f"fault: {note}")
            if note.startswith("FAIL"):
                problems.append(note[6:])
    elapsed = time.monotonic() - stats.started
    client_cpu = time.process_time() - cpu[0]
    server_cpu = sum(cpu_seconds(p) - cpu[1].get(p, 0) for p in server.worker_pids())

    # What the clients saw
    total = sum(stats.counts.values())
    print(
        f"{len(learners)} learners, {args.workers} workers, {args.db}, {elapsed:.0f} s: "
        f"{total} requests ({total / elapsed:.0f}/s)"
    )
    print(
        f"CPU: the client {client_cpu:.0f} s, the workers {server_cpu:.0f} s "
        f"({server_cpu / max(total, 1) * 1000:.1f} ms a request) in {elapsed:.0f} s on "
        f"{os.cpu_count()} cores"
    )
    kinds = sorted({k for k, _s in stats.counts})
    for kind in kinds:
        by_status = {s: n for (k, s), n in stats.counts.items() if k == kind}
        lat = stats.latency.get(kind, [])
        print(
            f"  {kind:<13} {by_status}  p50 {percentile(lat, 50) * 1000:.0f} ms"
            f"  p99 {percentile(lat, 99) * 1000:.0f} ms"
        )
    submit = [s for s in stats.latency.get("submit", [])]
    p50, p99 = percentile(submit, 50) * 1000, percentile(submit, 99) * 1000
    print(
        f"quiz submission: {len(stats.acknowledged)} acknowledged, "
        f"p50 {p50:.0f} ms, p99 {p99:.0f} ms"
    )
    _print_windows(stats, elapsed)
    if not stats.acknowledged:
        problems.append("no submission was acknowledged")
    if args.p99_ms is not None and not p99 <= args.p99_ms:
        problems.append(f"quiz submission p99 {p99:.0f} ms is over {args.p99_ms:.0f} ms")
    if stats.tracebacks:
        problems.append(f"{stats.tracebacks} responses carried a traceback")
    if stats.unclear:
        problems.append(f"{stats.unclear} server errors without the portal's error page")

    # Server errors: none, except 503s inside the fault window
    errors = stats.server_errors
    if fault and fault.name in ("pg-restart", "disk-full"):
        start = fault.at
        end = (fault.done_at or elapsed) + args.max_outage
        allowed = [e for e in errors if e[2] == 503 and start <= e[0] <= end]
        if fault.name == "disk-full":  # reads go on: only writes may fail
            allowed = [e for e in allowed if e[1] in WRITES]
        outside = [e for e in errors if e not in allowed]
        if allowed:
            span = max(e[0] for e in allowed) - min(e[0] for e in allowed)
            print(f"503s during the fault: {len(allowed)} over {span:.1f} s")
        if fault.name == "pg-restart" and allowed and span > args.max_outage:
            problems.append(f"503s lasted {span:.1f} s (more than {args.max_outage} s)")
        if fault.name == "disk-full" and not allowed:
            problems.append("no write failed while the disk was full: the drill tested nothing")
        errors = outside
    if errors:
        problems.append(f"{len(errors)} server errors outside a fault window: {errors[:5]}")

    # After the load: the app serves again without a restart
    status, body = _probe(server, f"/courses/{args.course}/")
    if status != 200:
        problems.append(f"after the load the course page answers {status}")
    if fault:
        ended = fault.done_at or elapsed
        after = [t for t in stats.ack_times if t > ended]
        print(
            f"after the fault: course page {status}, {len(after)} submissions acknowledged "
            f"after it ended at {ended:.0f} s"
        )
        if not after:
            problems.append("no submission was acknowledged after the fault: no recovery")

    # Memory per worker after the load
    pids = server.worker_pids()
    sizes = [memory_mb(pid) for pid in pids]
    print(
        "worker memory after the load, RSS/PSS MB: "
        + ", ".join(f"{r:.0f}/{p:.0f}" for r, p in sizes)
    )
    if sizes and args.max_rss_mb is not None and max(r for r, _p in sizes) > args.max_rss_mb:
        worst = max(r for r, _p in sizes)
        problems.append(f"a worker's RSS is {worst:.0f} MB (budget {args.max_rss_mb:.0f} MB)")

    # Reconciliation against the database
    found, submitted = reconcile(url, stats)
    print(
        f"reconciliation: {len(stats.acknowledged)} acknowledged, {len(stats.unknown)} unknown, "
        f"{submitted} submitted in the database"
    )
    problems += found
    return problems


if __name__ == "__main__":
    sys.exit(main())
