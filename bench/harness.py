"""The server under test: gunicorn on loopback, its workers, and throw-away databases."""

import http.client
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from bench import setup

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _children(pid):
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                kids.append(int(entry.name))
    return sorted(kids)


def cpu_seconds(pid):
    """User and system CPU time a process has used (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid):
    """(RSS, PSS) of a process in MB: PSS shares the pages it has in common with others."""
    sizes = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if parts[0] in ("Rss:", "Pss:"):
            sizes[parts[0]] = int(parts[1]) / 1024
    return sizes.get("Rss:", 0.0), sizes.get("Pss:", 0.0)


class Server:
    """gunicorn on loopback with the bench settings; the same flags as `make serve`."""

    def __init__(self, env, port, workers, app="wsgi:app", log=None):
        self.env, self.port, self.workers, self.app = env, port, workers, app
        self.log = log or tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log").name
        self.proc = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, probe="/healthz", timeout=60):
        """Start and wait for the first 200 of `probe`; return the seconds it took."""
        started = time.monotonic()
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    str(ROOT / ".venv/bin/gunicorn"),
                    "--workers",
                    str(self.workers),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--timeout",
                    "30",
                    self.app,
                ],
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", probe)
                if conn.getresponse().status == 200:
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"no 200 from {probe} within {timeout} s; see {self.log}")

    def worker_pids(self):
        return _children(self.proc.pid)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# Databases


def sqlite_url(directory):
    return f"sqlite:///{directory}/bench.db"


def create_pg_database(name, admin_url=PG_ADMIN):
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(name, admin_url=PG_ADMIN):
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def prepare_database(url, learners, directory, seed_scale=0):
    """Schema, bundled courses, bench people and `learners` load learners; return their logins.

    With `seed_scale`, a synthetic province of that many learners (certificates, attempts)
    comes first, as `flask bench seed --scale N` makes it.
    """
    from portal import create_app
    from portal.extensions import db
    from portal.seed import seed

    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench", "SIGNING_KEY": setup._key(directory)}
    )
    with app.app_context():
        db.create_all()
        logins = setup.prepare(learners)
        if seed_scale:
            seed(seed_scale, attempts_per_learner=2)
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return logins


def server_env(url, directory):
    return {
        "PORTAL_DATABASE_URL": url,
        "PORTAL_SECRET_KEY": "bench-secret",
        "PORTAL_SIGNING_KEY": setup._key(directory),
        # Only failed logins count, but a whole bench signs in from one address.
        "PORTAL_LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
        "PORTAL_BASE_URL": "http://127.0.0.1",
    }


def pg_cluster_restart(cluster):
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart"],
        check=True,
        capture_output=True,
    )
