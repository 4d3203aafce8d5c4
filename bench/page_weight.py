"""Page weight: HTML + CSS + JS + fonts of the main pages, raw and gzip, anonymous and signed in.

Usage: .venv/bin/python bench/page_weight.py   (builds its own throw-away database)
Pages: home, catalog, course, lesson, quiz, quiz results, verify (a real certificate code) and
the dashboard, as an anonymous visitor, a signed-in learner and a manager (pages a person
cannot open are left out). Exits non-zero when a page is over budget (30 KB gzip; the
dashboard 60 KB) or a page that person must reach does not open.
"""

import gzip
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import (  # noqa: E402
    LEARNER_LOGIN,
    MANAGER_LOGIN,
    QUIZ_COURSE,
    bench_app,
    first_lesson_url,
    sign_in,
)

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


def learner_history():
    """A submitted attempt and a certificate for the bench learner: results and verify pages."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.certificates import codes
    from portal.certificates import services as certificates
    from portal.courses import services as courses
    from portal.courses.models import Course, CourseVersion
    from portal.extensions import db
    from portal.quizzes import services as quizzes

    user = db.session.scalar(select(User).where(User.phone == LEARNER_LOGIN))
    course = courses.get_course(QUIZ_COURSE)
    attempt, _ = quizzes.start_attempt(user, course)
    quizzes.submit_attempt(attempt, user, course, answers={})
    certified = db.session.scalars(
        select(Course)
        .join(CourseVersion, Course.current_version_id == CourseVersion.id)
        .where(CourseVersion.certificate.is_(True))
        .order_by(Course.slug)
    )
    staff = next(c for c in certified if not c.current_version.for_parents)
    courses.complete_lessons(user, staff, [x.slug for x in staff.current_version.lessons])
    courses.record_quiz_pass(user, staff, attempt_id=attempt.id, score=100)
    db.session.commit()
    code = codes.display(certificates.get_live(user.id, staff.slug).code)
    return f"/courses/{QUIZ_COURSE}/attempts/{attempt.id}", f"/verify/{code}"


def pages(app):
    with app.app_context():
        lesson = first_lesson_url()
        results, verify = learner_history()
    course = lesson.rsplit("/", 1)[0] + "/"
    return {
        "home": "/",
        "catalog": "/courses/",
        "course": course,
        "lesson": lesson,
        "quiz": f"/courses/{QUIZ_COURSE}/quiz",
        "results": results,
        "verify": verify,
        "dashboard": "/reports/",
    }


def main():
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        app = bench_app(tmp)
        urls = pages(app)
        print(f"{'page':<10} {'who':<9} {'raw KB':>8} {'gzip KB':>8}  budget")
        for who, login in (
            ("anonymous", None),
            ("learner", LEARNER_LOGIN),
            ("manager", MANAGER_LOGIN),
        ):
            client = app.test_client()
            if login:
                sign_in(app, client, login)
            for name, url in urls.items():
                result = weigh(client, url)
                if result is None:
                    if (
                        name == "results"
                        and who == "learner"
                        or name == "dashboard"
                        and who == "manager"
                    ):
                        failed = True  # these must open for this person
                        print(f"{name:<10} {who:<9} {'-':>8} {'-':>8}  FAILED to open")
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
