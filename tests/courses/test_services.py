"""Progress by slugs, completion decided once, catalog order and search."""

import pytest
from flask_babel import force_locale

from portal import signals
from portal.courses import services
from tests.courses.sample import LESSON_2


@pytest.fixture
def completed_events():
    events = []

    def receiver(sender, **kw):
        events.append((kw["user"].id, kw["course_slug"]))

    signals.course_completed.connect(receiver)
    yield events
    signals.course_completed.disconnect(receiver)


def test_progress_and_resume(publish, make_user, db):
    course = publish()
    user = make_user()
    lessons = course.current_version.lessons
    assert services.resume_lesson(lessons, set()).slug == "vi-sao"
    status = services.complete_lesson(user, course, "vi-sao")
    db.session.commit()
    assert (status.lessons_done, status.lessons_total, status.percent) == (1, 2, 50)
    assert (
        services.resume_lesson(lessons, services.list_done_lessons(user, course.slug)).slug
        == "so-cuu"
    )
    # idempotent
    services.complete_lesson(user, course, "vi-sao")
    assert services.get_status(user, course.slug).lessons_done == 1


def test_unknown_lesson_is_refused(publish, make_user):
    course = publish()
    with pytest.raises(services.CourseError):
        services.complete_lesson(make_user(), course, "khong-co")


def test_course_with_quiz_completes_only_after_the_pass(publish, make_user, db, completed_events):
    course = publish()
    user = make_user()
    services.complete_lessons(user, course, ["vi-sao", "so-cuu"])
    assert services.get_status(user, course.slug).completed_at is None
    services.record_quiz_pass(user, course, attempt_id=7, score=90)
    status = services.get_status(user, course.slug)
    assert status.completed_at is not None and status.passed_attempt_id == 7
    assert completed_events == [(user.id, course.slug)]
    services.record_quiz_pass(user, course, attempt_id=8, score=100)  # once per cycle
    assert completed_events == [(user.id, course.slug)]


def test_quiz_first_then_lessons_also_completes(publish, make_user, completed_events):
    course = publish()
    user = make_user()
    services.record_quiz_pass(user, course, attempt_id=1, score=80)
    services.complete_lessons(user, course, ["vi-sao", "so-cuu"])
    assert completed_events == [(user.id, course.slug)]


def test_course_without_quiz_completes_with_the_lessons(publish, make_user, completed_events):
    course = publish(**{"quiz.md": None})
    user = make_user()
    services.complete_lessons(user, course, ["vi-sao", "so-cuu"])
    assert completed_events == [(user.id, course.slug)]


def test_progress_survives_a_new_version(publish, make_user, db):
    course = publish()
    user = make_user()
    services.complete_lesson(user, course, "vi-sao")
    db.session.commit()
    course = publish(
        **{"02-so-cuu.md": LESSON_2 + "\nThêm.\n", "03-giu-am.md": "# Giữ ấm\n\nÁo.\n"}
    )
    assert course.current_version.number == 2
    status = services.complete_lesson(user, course, "so-cuu")
    assert (status.lessons_done, status.lessons_total) == (2, 3)


def test_new_cycle_reopens_completion(publish, make_user, completed_events):
    course = publish(**{"quiz.md": None})
    user = make_user()
    services.complete_lessons(user, course, ["vi-sao", "so-cuu"])
    status = services.start_new_cycle(user, course.slug)
    assert status.cycle == 2 and status.completed_at is None
    with pytest.raises(services.CourseError) as refused:
        services.start_new_cycle(user, course.slug)
    assert str(refused.value) == "Khóa học chưa hoàn thành nên chưa có gì để gia hạn."
    with force_locale("en"):  # the learner's language when it reaches a page
        assert str(refused.value) == "The course is not completed, so there is nothing to renew."


def test_catalog_puts_my_audience_and_required_first(publish, make_user):
    from tests.courses.sample import COURSE_MD

    publish("cho-can-bo")
    parent_md = COURSE_MD.replace("[staff, collaborator]", "[parent]").replace(
        "Phòng, chống đuối nước cho trẻ em", "Con an toàn"
    )
    publish("cho-cha-me", **{"course.md": parent_md})
    parent = make_user(position="parent")
    officer = make_user(position="commune_officer")
    assert [e.course.slug for e in services.list_catalog(parent)][0] == "cho-cha-me"
    assert [e.course.slug for e in services.list_catalog(officer)][0] == "cho-can-bo"
    entries = services.list_catalog(officer, required_slugs={"cho-cha-me"})
    assert entries[0].course.slug == "cho-cha-me" and entries[0].required


@pytest.mark.parametrize("q", ["duoi nuoc", "ĐUỐI NƯỚC", "Đuối", "thoi ngat"])
def test_search_ignores_case_and_diacritics_and_reads_lessons(publish, make_user, q):
    publish()
    assert [e.course.slug for e in services.list_catalog(None, q=q)] == ["duoi-nuoc"]


def test_search_without_match_and_topic_filter(publish):
    publish()
    assert services.list_catalog(None, q="xe máy") == []
    assert services.list_catalog(None, topic="online") == []
    assert len(services.list_catalog(None, topic="drowning")) == 1
    assert services.list_topics() == ["drowning"]


def test_search_escapes_like_wildcards(publish):
    publish()
    assert services.list_catalog(None, q="%") == []


def test_published_quiz_and_outline_are_read_once_per_process(publish, db, sql):
    version = publish().current_version
    quiz = version.quiz_for("final")
    assert quiz["questions"] and version.quiz_for("pre")["questions"]
    assert [line.slug for line in version.outline()] == ["vi-sao", "so-cuu"]
    assert version.has_quiz and version.has_job_aid and "<" in version.overview
    db.session.expire_all()  # a later request: a fresh object for the same version
    with sql() as statements:
        again = (version.quiz_for("final"), version.outline(), version.has_job_aid)
    assert again[0] is quiz
    assert [s for s in statements if "quiz" in s or "FROM lessons" in s] == []


def test_published_cache_keys_on_the_content_hash_as_well_as_the_id():
    """Ids come back when a database is emptied and filled again: the hash tells them apart."""
    from portal.courses.models import CourseVersion, _published

    first = CourseVersion(id=10**6, content_hash="a" * 64)
    same_id_other_content = CourseVersion(id=10**6, content_hash="b" * 64)
    assert _published(first, "outline", lambda: "first") == "first"
    assert _published(same_id_other_content, "outline", lambda: "other") == "other"
    assert _published(first, "outline", lambda: "read again") == "first"


def test_unsaved_version_is_read_without_the_cache():
    from portal.courses.models import _PUBLISHED, CourseVersion

    version = CourseVersion(quiz={"settings": {}, "questions": []}, content_hash="x")
    before = dict(_PUBLISHED)
    assert version.quiz_for("final") == {"settings": {}, "questions": []}
    assert _PUBLISHED == before
