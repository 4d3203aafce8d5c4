"""Who may open the quiz pages: attempts are their owner's only (404 for everyone else)."""

import tempfile
from pathlib import Path

from portal.courses import publishing
from portal.courses.services import get_course
from portal.extensions import db
from portal.quizzes import services
from tests.courses.sample import write_course
from tests.test_access_matrix import SIGNED_IN, STAFF_ONLY

OWNER_ONLY = dict(anon=302, learner=200, trainer=404, manager=404, admin=404)


def OWNER_DOES(code):  # noqa: N802
    return dict(anon=302, learner=code, trainer=404, manager=404, admin=404)


def extend(world):
    course = get_course("duoi-nuoc")
    if course is None:
        root = Path(tempfile.mkdtemp())
        write_course(root)
        list(publishing.sync_content(root))
        course = get_course("duoi-nuoc")
    learner, outsider = world["learner"], world["outsider"]
    world["open_attempt"], _ = services.start_attempt(learner, course)
    done, _ = services.start_attempt(learner, course, "pre")
    services.submit_attempt(done, learner, course)
    world["submitted_attempt"] = done
    world["outsider_attempt"], _ = services.start_attempt(outsider, course)
    db.session.commit()


def attempt_url(key, action=""):
    return lambda w: f"/courses/duoi-nuoc/attempts/{w[key].id}{action}"


RULES = [
    ("quizzes.overview", "GET", "/courses/duoi-nuoc/quiz", SIGNED_IN(200)),
    ("quizzes.pre_test", "GET", "/courses/duoi-nuoc/pre-quiz", SIGNED_IN(200)),
    ("quizzes.attempt", "GET", attempt_url("open_attempt"), OWNER_ONLY),
    ("quizzes.attempt", "GET", attempt_url("submitted_attempt"), OWNER_ONLY),
    ("quizzes.attempt", "GET", attempt_url("outsider_attempt"), OWNER_DOES(404)),
    ("quizzes.save", "POST", attempt_url("open_attempt", "/save"), OWNER_DOES(302)),
    ("quizzes.save", "POST", attempt_url("outsider_attempt", "/save"), OWNER_DOES(404)),
    ("quizzes.submit", "POST", attempt_url("outsider_attempt", "/submit"), OWNER_DOES(404)),
    ("quizzes.submit", "POST", attempt_url("open_attempt", "/submit"), OWNER_DOES(302)),
    ("quizzes.start", "POST", "/courses/duoi-nuoc/quiz/start", SIGNED_IN(302)),
    ("quizzes.start_pre_test", "POST", "/courses/duoi-nuoc/pre-quiz/start", SIGNED_IN(302)),
    ("quizzes.stats", "GET", "/courses/duoi-nuoc/stats", STAFF_ONLY(200)),
    ("quizzes.stats", "GET", "/courses/khong-co/stats", STAFF_ONLY(404)),
    # An empty form: the grant is refused (400) once the role may grant at all.
    (
        "quizzes.grant",
        "POST",
        "/courses/duoi-nuoc/quiz/grant",
        dict(anon=302, learner=403, trainer=400, manager=403, admin=400),
    ),
]
