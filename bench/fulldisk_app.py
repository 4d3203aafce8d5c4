"""The portal with a simulated full disk, for `bench/load.py --fault disk-full`.

While the file named by BENCH_MAX_PAGE_COUNT_FILE exists, every connection handed out by the
pool is capped with SQLite's `PRAGMA max_page_count` at the number it holds: the database
cannot grow, as on a full disk. When the file goes, the cap is lifted (space is back).
"""

import os
from pathlib import Path

from sqlalchemy import event

from portal import create_app
from portal.extensions import db

UNLIMITED = 4294967294  # SQLite's largest max_page_count
LIMIT_FILE = Path(os.environ["BENCH_MAX_PAGE_COUNT_FILE"])

app = create_app()


def _cap():
    try:
        return int(LIMIT_FILE.read_text())
    except (OSError, ValueError):
        return UNLIMITED


with app.app_context():

    @event.listens_for(db.engine, "checkout")
    def _on_checkout(dbapi_conn, _record, _proxy):
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA max_page_count={_cap()}")
        cur.close()
