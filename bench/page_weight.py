"""Page weight: HTML + CSS + JS + fonts of the main pages, raw and gzip, anonymous and signed in.

Usage: .venv/bin/python bench/page_weight.py   (builds its own throw-away database)
Exits non-zero when a page is over budget (30 KB gzip; the dashboard 60 KB).
"""

import gzip
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import bench_app, first_lesson_url, sign_in  # noqa: E402

BUDGET = 30 * 1024
DASHBOARD_BUDGET = 60 * 1024
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def weigh(client, url):
    r = client.get(url)
    if r.status_code != 200:
        return None
    html = r.data
    assets = b"".join(client.get(a.split("?")[0]).data for a in set(ASSET.findall(r.text)))
    raw = len(html) + len(assets)
    packed = len(gzip.compress(html, 6)) + (len(gzip.compress(assets, 6)) if assets else 0)
    return raw, packed


def pages(app):
    with app.app_context():
        lesson = first_lesson_url()
    course = lesson.rsplit("/", 1)[0] + "/"
    found = {
        "home": "/",
        "catalog": "/courses/",
        "course": course,
        "lesson": lesson,
        "quiz": course + "quiz",
        "verify": "/verify/AAAA-AAAA-AAAA-AAAA",
        "dashboard": "/reports/",
    }
    return found


def main():
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        app = bench_app(tmp)
        print(f"{'page':<10} {'who':<9} {'raw KB':>8} {'gzip KB':>8}  budget")
        for who in ("anonymous", "learner"):
            client = app.test_client()
            if who == "learner":
                sign_in(app, client)
            for name, url in pages(app).items():
                result = weigh(client, url)
                if result is None:
                    print(f"{name:<10} {who:<9} {'-':>8} {'-':>8}  (not available)")
                    continue
                raw, packed = result
                budget = DASHBOARD_BUDGET if name == "dashboard" else BUDGET
                ok = packed <= budget
                failed |= not ok
                print(
                    f"{name:<10} {who:<9} {raw / 1024:8.1f} {packed / 1024:8.1f}  "
                    f"{'ok' if ok else 'OVER'} ({budget // 1024} KB)"
                )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
