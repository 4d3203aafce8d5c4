"""Compliance reports at province scale (DESIGN §8, issue: training requirements, item 6).

Usage:
    .venv/bin/python bench/compliance_scale.py [--scale 100000] [--database-url URL]

Seeds a synthetic province (`flask bench seed`: SCALE learners over SCALE/10 hamlets, ten
attempts each) into a throw-away database, then times the province dashboard, a commune's
inspection file and the whole province's XLSX, counts the SQL queries of each, and reports
the peak Python memory of the XLSX. Exits non-zero when a budget is missed
(dashboard < 1 s, commune file < 1 s, province XLSX < 15 s).
"""

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, select, text  # noqa: E402

from bench.setup import _key  # noqa: E402


def timed(label, fn, engine, budget=None):
    queries = [0]

    def count(*_):
        queries[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    start = time.perf_counter()
    try:
        result = fn()
    finally:
        elapsed = time.perf_counter() - start
        event.remove(engine, "before_cursor_execute", count)
    verdict = "" if budget is None else ("ok" if elapsed < budget else "OVER")
    print(f"{label:<38} {elapsed:7.2f} s  {queries[0]:4d} queries  {verdict}")
    return result, elapsed, budget is None or elapsed < budget


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        default=None,
        help="an EMPTY database (e.g. postgresql://postgres@127.0.0.1/bench)",
    )
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{tmp}/scale.db"
    from portal import create_app
    from portal.extensions import db

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "SIGNING_KEY": _key(None)})
    ok = True
    with app.test_request_context():
        db.create_all()
        from portal.courses import publishing
        from portal.orgs.models import Unit
        from portal.reports import inspection, services
        from portal.seed import seed

        list(publishing.sync_content(app.config["CONTENT_DIR"]))
        db.session.commit()
        start = time.perf_counter()
        summary = seed(args.scale)
        db.session.commit()
        # As after any bulk load: statistics for PostgreSQL's planner; SQLite's write-ahead
        # log (a million rows) folded into the database, as its checkpoints do in service.
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        else:
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        print(f"seeded {summary} in {time.perf_counter() - start:.1f} s ({db.engine.dialect.name})")
        province = db.session.scalar(select(Unit).where(Unit.code == "SEED"))
        commune = db.session.scalar(select(Unit).where(Unit.code == "SEED-0001"))
        engine = db.engine
        _, _, good = timed(
            "province dashboard (summary by commune)",
            lambda: services.get_dashboard(province, _today()),
            engine,
            1.0,
        )
        ok &= good
        _, _, good = timed(
            "commune inspection file (XLSX)",
            lambda: inspection.workbook(commune, _today()),
            engine,
            1.0,
        )
        ok &= good
        before = _rss_mb()
        body, _, good = timed(
            "province inspection file (XLSX)",
            lambda: inspection.workbook(province, _today()),
            engine,
            15.0,
        )
        ok &= good
        print(
            f"province XLSX: {len(body) / 1e6:.1f} MB written; peak RSS {_rss_mb():.0f} MB "
            f"(was {before:.0f} MB before the export)"
        )
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


def _rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _today():
    from datetime import date

    return date.today()


if __name__ == "__main__":
    main()
