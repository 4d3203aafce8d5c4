"""Question statistics, course figures and knowledge gain on a known data set."""

from datetime import timedelta

import pytest

from portal.quizzes import services, statistics
from tests.courses.sample import COURSE_MD
from tests.quizzes.conftest import T0

# Bank order: first-action (3 options, right [1], must), cover (3, right [0, 1]),
# emergency-number (2, right [1]). Every attempt gets all three, unshuffled.
ANSWERS = {
    "l1": {"first-action": [1], "cover": [0, 1], "emergency-number": [1]},  # 100, pass
    "l2": {"first-action": [1], "cover": [0, 1], "emergency-number": [0]},  # 66, pass
    "l3": {"first-action": [0], "cover": [0], "emergency-number": [1]},  # 33
    "l4": {"first-action": [0], "cover": [0, 1], "emergency-number": [1]},  # 66, must missed
    "l5": {"first-action": [2], "cover": [0, 2], "emergency-number": [0]},  # 0
    "l6": {"emergency-number": [1]},  # 33
}
SETTINGS = {"questions_per_attempt": 0, "shuffle_options": False, "pass_mark": 60}


def submit(user, course, kind, answers, when):
    attempt, created = services.start_attempt(user, course, kind, now=when)
    assert created
    services.submit_attempt(attempt, user, course, answers=answers, now=when)
    return attempt


@pytest.fixture
def data(db, publish, make_user, tree):
    course = publish(quiz=SETTINGS)
    people = {}
    for i, name in enumerate(ANSWERS):
        unit = tree["hamlet"] if i < 3 else tree["commune"]
        people[name] = make_user("learner", unit)
    people["outsider"] = make_user("learner", tree["other_hamlet"])
    when = T0
    for name, answers in ANSWERS.items():
        submit(people[name], course, "final", answers, when)
        when += timedelta(minutes=5)
    submit(people["outsider"], course, "final", ANSWERS["l1"], when)
    db.session.commit()
    people["trainer"] = make_user("trainer", tree["commune"])
    people["admin"] = make_user("admin", None, position=None)
    return course, people


def by_id(stats):
    return {q.id: q for q in stats.questions}


def test_course_figures_in_the_trainers_subtree(data):
    course, people = data
    stats = statistics.get_course_stats(people["trainer"], course)
    assert (stats.attempts, stats.passed, stats.median) == (6, 2, 49.5)
    assert stats.pass_rate == pytest.approx(1 / 3)


def test_admins_see_everyone(data):
    course, people = data
    stats = statistics.get_course_stats(people["admin"], course)
    assert (stats.attempts, stats.passed, stats.median) == (7, 3, 66.0)


def test_nobody_in_scope(data, make_user, tree):
    course, _ = data
    trainer = make_user("trainer", tree["other"])
    stats = statistics.get_course_stats(trainer, course)
    assert (stats.attempts, stats.passed, stats.median) == (1, 1, 100.0)
    learner = make_user("learner", tree["commune"])
    empty = statistics.get_course_stats(learner, course)
    assert (empty.attempts, empty.median, empty.questions) == (0, None, [])


def test_share_correct_and_difficult_questions(data):
    course, people = data
    qs = by_id(statistics.get_course_stats(people["trainer"], course))
    assert [q for q in qs] == ["first-action", "cover", "emergency-number"]
    assert (qs["first-action"].answered, qs["first-action"].right) == (6, 2)
    assert (qs["cover"].right, qs["emergency-number"].right) == (3, 4)
    stats = statistics.get_course_stats(people["trainer"], course)
    assert [q.id for q in stats.difficult] == ["first-action"]  # 50% exactly is not difficult


def test_discrimination_index(data):
    # 6 attempts: groups of round(27% of 6) = 2. Upper: l1 (100), l2 (66);
    # lower: l6 (33, the later of the two 33s), l5 (0).
    course, people = data
    qs = by_id(statistics.get_course_stats(people["trainer"], course))
    assert qs["first-action"].discrimination == pytest.approx(1.0)
    assert qs["cover"].discrimination == pytest.approx(1.0)
    assert qs["emergency-number"].discrimination == pytest.approx(0.0)


def test_wrong_options_by_source_position(data):
    course, people = data
    qs = by_id(statistics.get_course_stats(people["trainer"], course))
    first = [(pos, n) for pos, _html, n in qs["first-action"].wrong_options]
    assert first == [(0, 2), (2, 1)]
    assert [(pos, n) for pos, _h, n in qs["cover"].wrong_options] == [(2, 1)]
    assert [(pos, n) for pos, _h, n in qs["emergency-number"].wrong_options] == [(0, 2)]
    assert "Dốc ngược trẻ" in qs["first-action"].wrong_options[0][1]


def test_one_attempt_has_no_discrimination(db, publish, make_user, tree):
    course = publish(quiz=SETTINGS)
    submit(make_user("learner", tree["hamlet"]), course, "final", ANSWERS["l1"], T0)
    db.session.commit()
    stats = statistics.get_course_stats(make_user("trainer", tree["commune"]), course)
    assert stats.attempts == 1 and stats.questions[0].discrimination is None


def test_masked_counts():
    assert [statistics.masked(n, True) for n in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]
    assert statistics.masked(3, False) == "3"


def test_parents_courses_mask_small_counts(db, publish, make_user, tree):
    parents_md = COURSE_MD.replace("audiences: [staff, collaborator]", "audiences: [parent]")
    course = publish(quiz=SETTINGS, **{"course.md": parents_md})
    assert course.current_version.for_parents
    submit(
        make_user("learner", tree["hamlet"], position="parent"), course, "final", ANSWERS["l2"], T0
    )
    db.session.commit()
    stats = statistics.get_course_stats(make_user("trainer", tree["commune"]), course)
    assert stats.small and stats.count(stats.attempts) == "<5"


@pytest.fixture
def gains(data):
    course, people = data
    when = T0 - timedelta(days=1)
    submit(people["l1"], course, "pre", {"pre-age": [1]}, when)  # 0
    submit(people["l2"], course, "pre", {"pre-age": [0]}, when)  # 100 first ...
    submit(people["l2"], course, "pre", {}, when + timedelta(hours=1))  # ... then 0
    submit(people["outsider"], course, "pre", {}, when)  # 0
    # l1 also scored lower on a later final: the best one counts.
    submit(people["l1"], course, "final", {}, T0 + timedelta(days=1))
    return course, people


def test_knowledge_gain_first_pre_against_best_final(gains, tree):
    course, _ = gains
    commune = statistics.get_knowledge_gain(course.slug, tree["commune"])
    assert commune.learners == 2
    assert (commune.pre_average, commune.post_average) == (50.0, 83.0)
    assert commune.gain == pytest.approx(33.0)
    everyone = statistics.get_knowledge_gain(course.slug)
    assert everyone.learners == 3
    assert everyone.pre_average == pytest.approx(100 / 3)
    assert everyone.post_average == pytest.approx(266 / 3)


def test_knowledge_gain_by_unit(gains, tree):
    course, _ = gains
    rows = statistics.list_knowledge_gain_by_unit(course.slug, tree["province"])
    assert [(g.unit.name, g.learners) for g in rows] == [("Xã An Bình", 2), ("Xã Tân Phú", 1)]
    top = statistics.list_knowledge_gain_by_unit(course.slug)
    assert [(g.unit.name, g.learners) for g in top] == [("Tỉnh Thử", 3)]


def test_knowledge_gain_without_data(db, course, tree):
    gain = statistics.get_knowledge_gain(course.slug, tree["commune"])
    assert gain.learners == 0 and gain.gain is None


def test_scoped_gain(gains, make_user, tree):
    course, people = gains
    total, rows = statistics.get_scoped_gain(people["trainer"], course.slug)
    assert total.learners == 2 and [g.unit.name for g in rows] == ["Ấp 1"]
    total, rows = statistics.get_scoped_gain(people["admin"], course.slug)
    assert total.learners == 3 and len(rows) == 1
    nowhere = make_user("trainer", None)
    assert statistics.get_scoped_gain(nowhere, course.slug)[0].learners == 0
