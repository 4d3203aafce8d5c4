"""Backup and restore drill: `flask backup FILE` under write load, then restore and count.

Learners submit quiz attempts against gunicorn (SQLite, 4 workers) while `flask backup` runs.
The copy must pass PRAGMA integrity_check and foreign_key_check, hold no half-written
submission (a submitted attempt without its graded answers), and, restored into a fresh
instance, give the same counts of users, attempts and certificates as inside the file.

    .venv/bin/python bench/backup_drill.py [--users 32] [--seconds 20]

Prints how long the backup and the restore took (the recovery time) and exits non-zero when
a property fails.
"""

import argparse
import http.client
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import Server, prepare_database, server_env  # noqa: E402
from bench.load import Learner, Stats  # noqa: E402
from bench.setup import QUIZ_COURSE  # noqa: E402

TABLES = ("users", "attempts", "certificates", "attempt_answers", "course_status")
# A submission writes the attempt and its graded answers in one transaction (the seeded
# history has no answers, so only the load learners' attempts are looked at).
TORN = (
    "SELECT COUNT(*) FROM attempts a JOIN users u ON u.id = a.user_id "
    "WHERE u.phone LIKE '091%' AND a.state = 'submitted' AND NOT EXISTS "
    "(SELECT 1 FROM attempt_answers x WHERE x.attempt_id = a.id)"
)


def counts(path):
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}


def check_copy(path):
    problems = []
    with sqlite3.connect(path) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            problems.append(f"integrity_check: {integrity}")
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            problems.append(f"{len(broken)} rows point at rows the copy lacks")
        torn = conn.execute(TORN).fetchone()[0]
        if torn:
            problems.append(f"{torn} submitted attempts without their answers (a torn copy)")
    return problems


def restored_counts(directory, backup):
    """Restore = put the file in place of a fresh instance's database; count through the app."""
    fresh = Path(directory) / "restored"
    fresh.mkdir()
    shutil.copy(backup, fresh / "bench.db")
    url = f"sqlite:///{fresh}/bench.db"
    started = time.monotonic()
    server = Server(server_env(url, directory), 8239, 2, log=str(fresh / "gunicorn.log"))
    server.start(probe=f"/courses/{QUIZ_COURSE}/")
    took = time.monotonic() - started
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", "/healthz")
        health = conn.getresponse().status
    finally:
        server.stop()
    code = (
        "from sqlalchemy import func, select\n"
        "from portal import create_app\n"
        "from portal.extensions import db\n"
        "from portal.accounts.models import User\n"
        "from portal.quizzes.models import Attempt, AttemptAnswer\n"
        "from portal.certificates.models import Certificate\n"
        "from portal.courses.models import CourseStatus\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    for m in (User, Attempt, Certificate, AttemptAnswer, CourseStatus):\n"
        "        print(db.session.scalar(select(func.count()).select_from(m)))\n"
    )
    out = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-c", code],
        cwd=ROOT,
        env={**server.env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return dict(zip(TABLES, map(int, out), strict=True)), health, took


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--port", type=int, default=8238)
    parser.add_argument("--seed", type=int, default=500, help="learners of `flask bench seed`")
    args = parser.parse_args(argv)
    problems = []
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as directory:
        url = f"sqlite:///{directory}/bench.db"
        logins = prepare_database(url, args.users, directory, seed_scale=args.seed)
        env = server_env(url, directory)
        server = Server(env, args.port, 4, log=f"{directory}/gunicorn.log")
        server.start(probe=f"/courses/{QUIZ_COURSE}/")
        stats = Stats()
        deadline = time.monotonic() + args.seconds
        learners = [
            Learner(server.base, login, QUIZ_COURSE, stats, deadline, seed=n)
            for n, login in enumerate(logins)
        ]
        try:
            for learner in learners:
                learner.start()
            time.sleep(args.seconds / 2)
            target = Path(directory) / "backup.db"
            before = len(stats.acknowledged)
            started = time.monotonic()
            result = subprocess.run(
                [str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "backup", str(target)],
                cwd=ROOT,
                env={**env, "PATH": "/usr/bin:/bin"},
                capture_output=True,
                text=True,
            )
            took = time.monotonic() - started
            during = len(stats.acknowledged) - before
            for learner in learners:
                learner.join(timeout=args.seconds + 60)
        finally:
            server.stop()
        if result.returncode != 0:
            problems.append(f"flask backup failed: {result.stderr.strip()}")
        else:
            size = target.stat().st_size / 1024 / 1024
            print(
                f"backup: {size:.1f} MB in {took:.2f} s under load "
                f"({during} submissions acknowledged meanwhile)"
            )
            problems += check_copy(target)
            inside = counts(target)
            live = counts(Path(directory) / "bench.db")
            print(f"inside the backup: {inside}")
            print(f"live at the end:   {live}")
            restored, health, restore_took = restored_counts(directory, target)
            print(
                f"restored instance: {restored} (healthz {health}, "
                f"first page after {restore_took:.1f} s)"
            )
            if restored != inside:
                problems.append("the restored counts differ from the backup's")
            if health != 200:
                problems.append(f"the restored instance answers /healthz with {health}")
            if not inside["attempts"] or inside["attempts"] > live["attempts"]:
                problems.append("the backup's attempts are not a snapshot of the live ones")
        if not stats.acknowledged:
            problems.append("no submission was acknowledged: there was no write load")
        if stats.server_errors:
            problems.append(f"{len(stats.server_errors)} server errors during the backup")
    for problem in problems:
        print(f"FAIL: {problem}")
    print("PASS" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
