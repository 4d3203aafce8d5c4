import pytest

from portal.courses import publishing
from portal.courses import services as courses
from tests.courses.sample import COURSE_MD, write_course


@pytest.fixture
def course(db, tmp_path):
    write_course(tmp_path)
    list(publishing.sync_content(tmp_path))
    db.session.commit()
    return courses.get_course("duoi-nuoc")


@pytest.fixture
def parent_course(db, tmp_path):
    md = COURSE_MD.replace("[staff, collaborator]", "[parent]").replace(
        "validity_months: 12", "validity_months: 0"
    )
    write_course(tmp_path, slug="cho-cha-me", **{"course.md": md})
    list(publishing.sync_content(tmp_path))
    db.session.commit()
    return courses.get_course("cho-cha-me")


@pytest.fixture
def complete(db):
    """Complete a course as `user` (all lessons, a passing attempt); return the certificate."""
    from portal.certificates import services

    def do(user, course, score=90):
        courses.complete_lessons(
            user, course, [lesson.slug for lesson in course.current_version.lessons]
        )
        courses.record_quiz_pass(user, course, attempt_id=1, score=score)
        db.session.commit()
        return services.get_live(user.id, course.slug)

    return do
