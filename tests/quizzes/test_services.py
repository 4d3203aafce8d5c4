"""Attempts: start and resume, save, submit exactly once, time limits, limits per cycle."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from portal.audit import AuditEvent
from portal.courses.models import CourseStatus
from portal.courses.services import complete_lessons, get_course, get_status
from portal.quizzes import services
from portal.quizzes.models import Attempt, AttemptAnswer, AttemptGrant
from portal.quizzes.services import QuizError, ScopeError
from tests.quizzes.conftest import T0


@pytest.fixture
def learner(make_user, tree):
    return make_user("learner", tree["hamlet"])


def right_answers(attempt):
    bank = services.get_bank(attempt)
    return {qid: bank[qid]["correct"] for qid in attempt.question_ids}


def test_start_pins_version_and_snapshots_rules(db, course, learner, rng):
    attempt, created = services.start_attempt(learner, course, now=T0, rng=rng)
    db.session.commit()
    assert created and attempt.state == "open" and attempt.kind == "final" and attempt.cycle == 1
    assert attempt.version_id == course.current_version_id
    assert attempt.pass_mark == 80 and attempt.must_pass == ["first-action"]
    assert attempt.time_limit_minutes == 0 and attempt.deadline_at is None
    assert len(attempt.questions) == 2 and "first-action" in attempt.question_ids
    for drawn in attempt.questions:
        n = len(services.get_bank(attempt)[drawn["id"]]["options"])
        assert sorted(drawn["order"]) == list(range(n))


def test_starting_again_resumes_the_open_attempt(db, course, learner):
    first, _ = services.start_attempt(learner, course, now=T0)
    db.session.commit()
    again, created = services.start_attempt(learner, course, now=T0 + timedelta(hours=5))
    assert again.id == first.id and not created
    pre, created = services.start_attempt(learner, course, "pre", now=T0)
    assert created and pre.id != first.id and pre.question_ids == ["pre-age"]


def test_one_open_attempt_is_enforced_by_the_database(db, course, learner):
    from sqlalchemy.exc import IntegrityError

    services.start_attempt(learner, course, now=T0)
    db.session.commit()
    twin = Attempt(
        user_id=learner.id,
        course_slug=course.slug,
        version_id=course.current_version_id,
        kind="final",
        questions=[],
        pass_mark=80,
        answers={},
        started_at=T0,
    )
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_state_and_kind_are_checked_by_the_database(db, course, learner):
    from sqlalchemy.exc import IntegrityError

    attempt, _ = services.start_attempt(learner, course, now=T0)
    db.session.commit()
    attempt.state = "graded"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_later_versions_do_not_change_an_open_attempt(db, publish, learner):
    course = publish()
    attempt, _ = services.start_attempt(learner, course, now=T0)
    db.session.commit()
    course = publish(quiz={"pass_mark": 50, "questions_per_attempt": 3})
    assert course.current_version_id != attempt.version_id
    resumed, created = services.start_attempt(learner, course, now=T0)
    assert resumed.id == attempt.id and not created and resumed.pass_mark == 80


def test_save_keeps_answers_and_survives_a_reload(db, course, learner):
    attempt, _ = services.start_attempt(learner, course, now=T0)
    db.session.commit()
    assert services.save_answers(attempt, learner, course, {"first-action": [1]}, now=T0) == "saved"
    db.session.commit()
    db.session.expire_all()
    other = attempt.question_ids[1]
    assert services.save_answers(attempt, learner, course, {other: [0]}, now=T0) == "saved"
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Attempt, attempt.id)
    assert stored.answers == {"first-action": [1], other: [0]} and stored.saved_at == T0


def test_submit_grades_records_answers_and_feeds_course_status(db, course, learner):
    complete_lessons(learner, course, ["vi-sao", "so-cuu"])
    attempt, _ = services.start_attempt(learner, course, now=T0)
    db.session.commit()
    assert services.submit_attempt(attempt, learner, course, answers=right_answers(attempt), now=T0)
    db.session.commit()
    assert attempt.state == "submitted" and attempt.score == 100 and attempt.passed
    assert attempt.submitted_at == T0
    rows = db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))
    assert {(r.question_id, r.correct) for r in rows} == {(q, True) for q in attempt.question_ids}
    status = get_status(learner, course.slug)
    assert status.passed_attempt_id == attempt.id and status.completed_at is not None


def test_a_failed_attempt_keeps_the_best_score_only(db, course, learner):
    attempt, _ = services.start_attempt(learner, course, now=T0)
    answers = right_answers(attempt)
    answers["first-action"] = [0]  # the must-pass question wrong
    services.submit_attempt(attempt, learner, course, answers=answers, now=T0)
    db.session.commit()
    assert attempt.score == 50 and not attempt.passed
    status = get_status(learner, course.slug)
    assert status.passed_attempt_id is None and status.best_score == 50


def test_pre_test_never_touches_course_status(db, course, learner):
    attempt, _ = services.start_attempt(learner, course, "pre", now=T0)
    services.submit_attempt(attempt, learner, course, answers={"pre-age": [0]}, now=T0)
    db.session.commit()
    assert attempt.score == 100 and get_status(learner, course.slug) is None


def test_submit_twice_grades_once(db, course, learner):
    attempt, _ = services.start_attempt(learner, course, now=T0)
    db.session.commit()
    assert services.submit_attempt(attempt, learner, course, now=T0)
    assert not services.submit_attempt(attempt, learner, course, answers=right_answers(attempt))
    db.session.commit()
    assert attempt.score == 0
    assert services.save_answers(attempt, learner, course, right_answers(attempt)) == "closed"


def test_a_stale_copy_cannot_submit_again(db, app, course, learner):
    """The conditional UPDATE holds even when the loaded object still says "open"."""
    attempt, _ = services.start_attempt(learner, course, now=T0)
    attempt_id, user_id = attempt.id, learner.id
    db.session.commit()
    with app.app_context():  # another request, its own session
        other = db.session.get(Attempt, attempt_id)
        user = db.session.get(type(learner), user_id)
        assert services.submit_attempt(other, user, get_course("duoi-nuoc"), now=T0)
        db.session.commit()
        db.session.remove()
    # Our copy was read before the other request committed: it still says "open".
    for name, value in (("state", "open"), ("answers", {}), ("score", None)):
        set_committed_value(attempt, name, value)
    assert not services.submit_attempt(attempt, learner, course, answers=right_answers(attempt))
    db.session.commit()
    assert attempt.state == "submitted" and attempt.score == 0


def test_ten_concurrent_submissions_give_one_result(db, app, course, learner):
    complete_lessons(learner, course, ["vi-sao", "so-cuu"])
    attempt, _ = services.start_attempt(learner, course, now=T0)
    db.session.commit()
    attempt_id, user_id, answers = attempt.id, learner.id, right_answers(attempt)
    barrier = threading.Barrier(10)
    outcomes, errors = [], []

    def submit():
        with app.app_context():
            try:
                # Wait before touching the database: on SQLite the first query takes the
                # write lock (BEGIN IMMEDIATE) and would hold it while others wait here.
                barrier.wait(timeout=30)
                user = db.session.get(type(learner), user_id)
                course_ = get_course("duoi-nuoc")
                mine = services.get_attempt(user, "duoi-nuoc", attempt_id, for_update=True)
                outcomes.append(services.submit_attempt(mine, user, course_, answers=answers))
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(outcomes) == [False] * 9 + [True]
    db.session.rollback()  # end our read snapshot to see what the threads wrote
    db.session.expire_all()  # and forget the attempt as this session last saw it
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AttemptAnswer)
            .where(AttemptAnswer.attempt_id == attempt_id)
        )
        == 2
    )
    stored = db.session.get(Attempt, attempt_id)
    assert stored.state == "submitted" and stored.score == 100
    assert get_status(learner, "duoi-nuoc").passed_attempt_id == attempt_id


@pytest.fixture
def timed(publish):
    return publish(quiz={"time_limit_minutes": 10, "questions_per_attempt": 3})


def test_time_limit_with_grace(db, timed, learner):
    attempt, _ = services.start_attempt(learner, timed, now=T0)
    db.session.commit()
    assert attempt.deadline_at == T0 + timedelta(minutes=10)
    end = attempt.deadline_at
    outcome = services.save_answers(
        attempt, learner, timed, {"first-action": [1]}, now=end + timedelta(seconds=30)
    )
    assert outcome == "saved"
    outcome = services.save_answers(
        attempt, learner, timed, {"cover": [0, 1]}, now=end + timedelta(seconds=31)
    )
    db.session.commit()
    assert outcome == "expired" and attempt.state == "submitted"
    assert attempt.answers == {"first-action": [1]} and attempt.score == 33
    assert attempt.submitted_at == end and attempt.timed_out


def test_submit_after_the_deadline_ignores_the_posted_answers(db, timed, learner):
    attempt, _ = services.start_attempt(learner, timed, now=T0)
    services.save_answers(attempt, learner, timed, {"first-action": [1]}, now=T0)
    late = T0 + timedelta(minutes=11)
    services.submit_attempt(attempt, learner, timed, answers=right_answers(attempt), now=late)
    db.session.commit()
    assert attempt.score == 33 and not attempt.passed and attempt.timed_out


def test_submit_within_the_grace_counts_the_answers(db, timed, learner):
    attempt, _ = services.start_attempt(learner, timed, now=T0)
    just = T0 + timedelta(minutes=10, seconds=20)
    services.submit_attempt(attempt, learner, timed, answers=right_answers(attempt), now=just)
    db.session.commit()
    assert attempt.score == 100 and attempt.submitted_at == just and not attempt.timed_out


def test_any_access_after_the_deadline_grades(db, timed, learner):
    attempt, _ = services.start_attempt(learner, timed, now=T0)
    db.session.commit()
    assert not services.expire_if_due(attempt, learner, timed, now=T0 + timedelta(minutes=5))
    later = T0 + timedelta(hours=3)
    fresh, created = services.start_attempt(learner, timed, now=later)
    db.session.commit()
    assert created and fresh.id != attempt.id
    assert attempt.state == "submitted" and attempt.score == 0


@pytest.fixture
def limited(publish):
    return publish(quiz={"max_attempts": 2, "cooldown_minutes": 30})


def take(learner, course, now):
    attempt, created = services.start_attempt(learner, course, now=now)
    assert created
    services.submit_attempt(attempt, learner, course, now=now + timedelta(minutes=1))
    return attempt


def test_cooldown_between_attempts(db, limited, learner):
    take(learner, limited, T0)
    limits = services.get_limits(learner, limited, now=T0 + timedelta(minutes=10))
    assert limits.next_start_at == T0 + timedelta(minutes=31) and not limits.can_start
    with pytest.raises(QuizError, match="21 phút"):
        services.start_attempt(learner, limited, now=T0 + timedelta(minutes=10))
    take(learner, limited, T0 + timedelta(minutes=32))


def test_max_attempts_per_cycle_and_extra_grant(db, limited, learner, make_user, tree):
    take(learner, limited, T0)
    take(learner, limited, T0 + timedelta(hours=1))
    later = T0 + timedelta(hours=2)
    limits = services.get_limits(learner, limited, now=later)
    assert (limits.used, limits.left, limits.can_start) == (2, 0, False)
    with pytest.raises(QuizError, match="hết số lần"):
        services.start_attempt(learner, limited, now=later)

    trainer = make_user("trainer", tree["commune"])
    assert services.list_blocked_learners(trainer, limited) == [learner]
    services.grant_extra_attempts(trainer, learner, limited, 1, "Mất điện khi làm bài")
    db.session.commit()
    assert services.list_blocked_learners(trainer, limited) == []
    assert services.get_limits(learner, limited, now=later).left == 1
    take(learner, limited, later)
    with pytest.raises(QuizError):
        services.start_attempt(learner, limited, now=later + timedelta(hours=1))

    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "quiz.attempts_granted")
    )
    assert event.actor_id == trainer.id and event.object_id == str(learner.id)
    assert event.detail["extra"] == 1 and event.detail["course"] == "duoi-nuoc"
    assert event.unit_id == learner.unit_id


def test_a_new_cycle_resets_the_count(db, limited, learner):
    take(learner, limited, T0)
    take(learner, limited, T0 + timedelta(hours=1))
    get_status(learner, "duoi-nuoc").cycle = 2  # a renewal began
    db.session.commit()
    limits = services.get_limits(learner, limited, now=T0 + timedelta(days=1))
    assert (limits.cycle, limits.used, limits.left) == (2, 0, 2)
    assert take(learner, limited, T0 + timedelta(days=1)).cycle == 2


def test_grants_count_in_their_cycle_only(db, limited, learner, make_user, tree):
    trainer = make_user("trainer", tree["commune"])
    services.grant_extra_attempts(trainer, learner, limited, 3, "Lý do")
    db.session.add(CourseStatus(user_id=learner.id, course_slug="duoi-nuoc", cycle=2))
    db.session.commit()
    assert services.get_limits(learner, limited, now=T0).extra == 0


def test_grant_needs_the_learner_in_scope(db, limited, learner, make_user, tree):
    outsider_trainer = make_user("trainer", tree["other"])
    with pytest.raises(ScopeError):
        services.grant_extra_attempts(outsider_trainer, learner, limited, 1, "x")
    manager_elsewhere = make_user("trainer", tree["other_hamlet"])
    with pytest.raises(ScopeError):
        services.grant_extra_attempts(manager_elsewhere, learner, limited, 1, "x")
    trainer = make_user("trainer", tree["commune"])
    with pytest.raises(ScopeError):
        services.grant_extra_attempts(trainer, trainer, limited, 1, "x")
    with pytest.raises(QuizError):
        services.grant_extra_attempts(trainer, learner, limited, 11, "x")
    colleague = make_user("trainer", tree["hamlet"])  # a trainer acts on learners only
    with pytest.raises(ScopeError):
        services.grant_extra_attempts(trainer, colleague, limited, 1, "x")
    admin = make_user("admin", None, position=None)
    services.grant_extra_attempts(admin, learner, limited, 2, "x")
    services.grant_extra_attempts(admin, colleague, limited, 1, "x")
    assert db.session.scalar(select(func.sum(AttemptGrant.extra))) == 3


def test_blocked_learners_are_scoped(db, limited, learner, make_user, tree):
    outsider = make_user("learner", tree["other_hamlet"])
    for person in (learner, outsider):
        take(person, limited, T0)
        take(person, limited, T0 + timedelta(hours=1))
    db.session.commit()
    assert services.list_blocked_learners(make_user("trainer", tree["commune"]), limited) == [
        learner
    ]
    admin = make_user("admin", None, position=None)
    assert set(services.list_blocked_learners(admin, limited)) == {learner, outsider}


def test_unlimited_quiz_has_no_blocked_learners(db, course, make_user, tree):
    assert services.list_blocked_learners(make_user("admin", None), course) == []


def test_before_after_scores(db, course, learner):
    assert services.get_before_after(learner, "duoi-nuoc") == (None, None)
    pre, _ = services.start_attempt(learner, course, "pre", now=T0)
    services.submit_attempt(pre, learner, course, now=T0)
    pre2, _ = services.start_attempt(learner, course, "pre", now=T0 + timedelta(hours=1))
    services.submit_attempt(
        pre2, learner, course, answers={"pre-age": [0]}, now=T0 + timedelta(hours=1)
    )
    final, _ = services.start_attempt(learner, course, now=T0 + timedelta(hours=2))
    services.submit_attempt(
        final, learner, course, answers=right_answers(final), now=T0 + timedelta(hours=2)
    )
    db.session.commit()
    assert services.get_before_after(learner, "duoi-nuoc") == (0, 100)


def test_reread_lessons_follow_missed_questions(db, course, learner):
    items = [
        {"right": False, "lesson": "so-cuu"},
        {"right": True, "lesson": "vi-sao"},
        {"right": False, "lesson": None},
    ]
    assert services.list_reread_lessons(course, items) == [("so-cuu", "Sơ cứu đúng cách")]


def test_a_course_without_the_quiz_refuses(db, publish, learner):
    course = publish(**{"pre-quiz.md": None})
    with pytest.raises(QuizError):
        services.start_attempt(learner, course, "pre")


def test_other_learners_attempts_are_not_found(db, course, learner, make_user, tree):
    attempt, _ = services.start_attempt(learner, course, now=T0)
    db.session.commit()
    assert services.get_attempt(learner, "duoi-nuoc", attempt.id) is attempt
    assert (
        services.get_attempt(make_user("learner", tree["hamlet"]), "duoi-nuoc", attempt.id) is None
    )
    assert services.get_attempt(learner, "khac", attempt.id) is None


def test_own_attempt_reads_course_and_attempt_together_for_its_owner_only(
    db, course, learner, make_user, tree, sql
):
    attempt, _ = services.start_attempt(learner, course, now=T0)
    db.session.commit()
    attempt_id = attempt.id
    db.session.expire_all()
    assert learner.id  # read the learner again before counting
    with sql() as statements:
        found_course, found = services.get_own_attempt(learner, "duoi-nuoc", attempt_id, True)
    assert (found_course.slug, found.id) == ("duoi-nuoc", attempt_id)
    assert found_course.current_version.title  # loaded with it
    selects = [s for s in statements if s.lstrip().startswith("SELECT")]
    assert len(selects) == 1, selects
    if db.engine.dialect.name == "postgresql":  # only the attempt row is locked
        assert "FOR UPDATE OF attempts" in selects[0]
    stranger = make_user(unit=tree["hamlet"])
    assert services.get_own_attempt(stranger, "duoi-nuoc", attempt_id) is None
    assert services.get_own_attempt(learner, "khac", attempt_id) is None


def test_course_attempts_feed_limits_and_scores_like_the_queries(db, course, learner):
    first, _ = services.start_attempt(learner, course, now=T0)
    services.submit_attempt(first, learner, course, answers={}, now=T0)
    second, _ = services.start_attempt(learner, course, now=T0 + timedelta(hours=1))
    db.session.commit()
    mine = services.list_course_attempts(learner, "duoi-nuoc")
    assert [a.id for a in mine] == [second.id, first.id]  # newest first
    later = T0 + timedelta(hours=2)
    assert services.get_limits(learner, course, now=later, attempts=mine) == services.get_limits(
        learner, course, now=later
    )
    assert services.get_before_after(learner, "duoi-nuoc", attempts=mine) == (
        services.get_before_after(learner, "duoi-nuoc")
    )


def test_close_expired_grades_only_attempts_past_their_time_and_grace(
    db, timed, learner, make_user, tree
):
    left = make_user("learner", tree["hamlet"])
    complete_lessons(left, timed, [x.slug for x in timed.current_version.lessons])
    gone, _ = services.start_attempt(left, timed, now=T0)
    services.save_answers(gone, left, timed, right_answers(gone), now=T0)
    recent, _ = services.start_attempt(learner, timed, now=T0 + timedelta(minutes=5))
    db.session.commit()
    end = gone.deadline_at

    assert list(services.close_expired(now=end + timedelta(seconds=30))) == []
    graded = list(services.close_expired(now=end + timedelta(seconds=31)))
    db.session.commit()

    assert [a.id for a in graded] == [gone.id]
    db.session.expire_all()
    assert db.session.get(Attempt, gone.id).state == "submitted"
    assert db.session.get(Attempt, gone.id).submitted_at == end
    assert get_status(left, "duoi-nuoc").passed_attempt_id == gone.id
    assert db.session.get(Attempt, recent.id).state == "open"


def test_close_expired_command_commits_and_counts(app, db, timed, learner):
    attempt, _ = services.start_attempt(learner, timed, now=T0)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["quizzes", "close-expired"])

    assert result.exit_code == 0 and result.output.strip() == "graded 1"
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).state == "submitted"
    again = app.test_cli_runner().invoke(args=["quizzes", "close-expired"])
    assert again.output.strip() == "graded 0"


def test_a_learners_data_download_holds_their_attempts_but_no_right_answers(db, course, learner):
    from portal.accounts.services import export_user_data

    attempt, _ = services.start_attempt(learner, course, now=T0)
    services.save_answers(attempt, learner, course, {"first-action": [0]}, now=T0)
    db.session.commit()
    (row,) = export_user_data(learner)["quiz_attempts"]
    assert row["course"] == "duoi-nuoc" and row["state"] == "open"
    assert row["answers"] == {"first-action": [0]} and row["score"] is None
    assert "correct" not in str(row) and "questions" not in row
