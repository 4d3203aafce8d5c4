from datetime import date, timedelta

import pytest

from portal.courses import publishing
from portal.courses import services as courses
from tests.courses.sample import write_course


@pytest.fixture
def course(db, tmp_path):
    write_course(tmp_path)
    list(publishing.sync_content(tmp_path))
    db.session.commit()
    return courses.get_course("duoi-nuoc")


@pytest.fixture
def trainer(tree, make_user):
    return make_user("trainer", tree["commune"])


@pytest.fixture
def requirement(db, course, tree, trainer):
    from portal.training import services

    req = services.create_requirement(
        trainer, tree["commune"], "duoi-nuoc", ["collaborator"], date.today() + timedelta(days=30)
    )
    db.session.commit()
    return req


@pytest.fixture
def complete(db):
    def do(user, course, score=90):
        courses.complete_lessons(user, course, [x.slug for x in course.current_version.lessons])
        courses.record_quiz_pass(user, course, attempt_id=1, score=score)
        db.session.commit()

    return do
