import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from portal.courses import publishing
from portal.extensions import db
from portal.training import services
from tests.courses.sample import write_course
from tests.test_access_matrix import SIGNED_IN

READ = dict(anon=302, learner=403, trainer=200, manager=200, admin=200)
WRITE = dict(anon=302, learner=403, trainer=200, manager=403, admin=200)


def DO(trainer, admin=None, manager=403):  # noqa: N802
    return dict(anon=302, learner=403, trainer=trainer, manager=manager, admin=admin or trainer)


def extend(world):
    root = Path(tempfile.mkdtemp())
    write_course(root)
    list(publishing.sync_content(root))
    start = datetime.now(UTC) - timedelta(minutes=5)
    for key, unit in (("session", "commune"), ("other_session", "other")):
        s = services.schedule_session(
            world["trainer"],
            world[unit],
            "duoi-nuoc",
            start,
            start + timedelta(hours=2),
            "Nhà văn hóa",
        )
        world[key] = s.id
        world[key + "_token"] = s.checkin_token
    for key, unit in (("req", "commune"), ("other_req", "other")):
        world[key] = services.create_requirement(
            world["trainer"], world[unit], "duoi-nuoc", ["collaborator"], date.today()
        ).id
    db.session.commit()


def s(fmt, key="session"):
    return lambda w: fmt.format(id=w[key], token=w.get(key + "_token"))


RULES = [
    ("training.mine", "GET", "/training/mine", SIGNED_IN(200)),
    ("training.requirements", "GET", "/training/requirements", READ),
    ("training.new_requirement", "GET", "/training/requirements/new", WRITE),
    (
        "training.archive_requirement",
        "POST",
        lambda w: f"/training/requirements/{w['other_req']}/archive",
        DO(404, admin=302),
    ),
    ("training.sessions", "GET", "/training/sessions", READ),
    ("training.new_session", "GET", "/training/sessions/new", WRITE),
    ("training.session", "GET", s("/training/sessions/{id}"), READ),
    (
        "training.session",
        "GET",
        s("/training/sessions/{id}", "other_session"),
        dict(anon=302, learner=403, trainer=404, manager=404, admin=200),
    ),
    (
        "training.attendance",
        "POST",
        s("/training/sessions/{id}/attendance", "other_session"),
        DO(404, admin=302),
    ),
    ("training.lessons", "POST", s("/training/sessions/{id}/lessons"), DO(302)),
    ("training.scores", "POST", s("/training/sessions/{id}/scores"), DO(302)),
    ("training.add_person", "POST", s("/training/sessions/{id}/people"), DO(400)),
    ("training.sign_in_sheet", "GET", s("/training/sessions/{id}/print"), READ),
    ("training.qr", "GET", s("/training/sessions/{id}/qr.svg"), WRITE),
    ("training.checkin", "GET", s("/training/checkin/{id}/{token}"), SIGNED_IN(200)),
    (
        "training.checkin",
        "GET",
        lambda w: f"/training/checkin/{w['session']}/wrong-token",
        SIGNED_IN(404),
    ),
]
