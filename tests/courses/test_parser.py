"""The course format: every problem named with its file and line; nothing half-parsed."""

import pytest
from flask_babel import force_locale

from portal.courses.parser import parse_course, read_folder
from portal.courses.quizfile import parse_quiz
from tests.courses.sample import COURSE_MD, QUIZ, write_course


def parse(tmp_path, **overrides):
    folder = write_course(tmp_path, **overrides)
    return parse_course(folder.name, read_folder(folder), prefix="content/")


def messages(problems):
    """The problems as the English interface (and these tests) read them."""
    with force_locale("en"):
        return [str(p) for p in problems]


def test_sample_course_parses(tmp_path):
    course, problems = parse(tmp_path)
    assert problems == []
    assert [lesson.slug for lesson in course.lessons] == ["vi-sao", "so-cuu"]
    assert course.lessons[1].title == "Sơ cứu đúng cách"  # from the # heading
    assert "# Sơ cứu" not in course.lessons[1].body
    assert course.quiz.settings["questions_per_attempt"] == 2
    assert course.quiz.settings["max_attempts"] == 0  # default
    q = course.quiz.questions[0]
    assert (q.id, q.must, q.lesson) == ("first-action", True, "so-cuu")
    assert course.quiz.questions[1].multiple
    assert course.quiz.questions[2].prompt == "Chọn một số."
    assert course.pre_quiz.questions[0].id == "pre-age"
    assert course.job_aid_title == "Sơ cứu đuối nước"
    assert "media/ao.png" in course.media
    assert len(course.content_hash) == 64


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"course.md": COURSE_MD.replace("title: Phòng", "titel: Phòng")},
            "content/duoi-nuoc/course.md:2: unknown field 'titel'",
        ),
        (
            {
                "course.md": COURSE_MD.replace(
                    "audiences: [staff, collaborator]", "audiences: [kids]"
                )
            },
            "course.md:6: unknown audience 'kids'",
        ),
        (
            {"course.md": COURSE_MD.replace("reviewed: 2026-10-01", "reviewed: soon")},
            "course.md:11: reviewed must be a date",
        ),
        (
            {"course.md": COURSE_MD.replace("minutes: 20", "minutes: many")},
            "course.md:7: minutes must be a whole number",
        ),
        (
            {
                "course.md": COURSE_MD.replace(
                    "audiences: [staff, collaborator]", "audiences: [staff, parent]"
                )
            },
            "not both",
        ),
        ({"course.md": COURSE_MD.replace("summary: Giữ", "summary: [Giữ")}, "front matter"),
        ({"course.md": None}, "missing course.md"),
        ({"03-quiz.md": "# Quiz\n\nx"}, "'quiz' is reserved"),
        ({"03-Bad_Slug.md": "# X\n\nx"}, "lesson slug 'Bad_Slug'"),
        ({"04-xa.md": "# X\n\nx"}, "expected 03"),
        ({"notes.txt": "x"}, "unexpected file"),
        (
            {"01-vi-sao.md": "---\ntitle: X\n---\n\n![a](media/missing.png)\n"},
            "01-vi-sao.md:5: media/missing.png does not exist",
        ),
        ({"02-so-cuu.md": b"# T\n\n\xff\xfe bad"}, "02-so-cuu.md:3: not UTF-8"),
        ({"02-so-cuu.md": "---\ntitle: T\nminutes: 5\n---\n\n"}, "the lesson is empty"),
        ({"02-so-cuu.md": "không có tiêu đề"}, "needs a title"),
    ],
)
def test_course_problems(tmp_path, overrides, expected):
    course, problems = parse(tmp_path, **overrides)
    assert course is None
    assert any(expected in m for m in messages(problems)), messages(problems)


def test_problems_are_in_the_readers_language(tmp_path):
    # Vietnamese by default (web editor, CLI), English in the English interface.
    _, problems = parse(tmp_path, **{"quiz.md": "## Câu hỏi\n\n- [x] a\n- [ ] b\n\n> vì\n"})
    assert "content/duoi-nuoc/quiz.md:1: câu hỏi cần mã cố định: {#ma-cau-hoi}" in [
        str(p) for p in problems
    ]
    assert "content/duoi-nuoc/quiz.md:1: question needs a permanent id: {#some-id}" in messages(
        problems
    )


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    _, problems = parse(
        tmp_path,
        **{"course.md": COURSE_MD.replace("minutes: 20", "minutes: x"), "03-quiz.md": "# Q\n\nx"},
    )
    assert len(problems) >= 2


def quiz_problems(text, lessons=("so-cuu", "vi-sao")):
    quiz, problems = parse_quiz(text, "quiz.md", set(lessons))
    assert quiz is None
    return messages(problems)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("## Câu hỏi\n\n- [x] a\n- [ ] b\n\n> vì\n", "quiz.md:1: question needs a permanent id"),
        ("## Câu hỏi {#Bad_Id}\n\n- [x] a\n- [ ] b\n\n> vì\n", "question id 'Bad_Id'"),
        (
            "## A {#a}\n\n- [x] a\n- [ ] b\n\n> vì\n\n## B {#a}\n\n- [x] a\n- [ ] b\n\n> vì\n",
            "quiz.md:8: question id 'a' repeats line 1",
        ),
        ("## A {#a}\n\n- [ ] a\n- [ ] b\n\n> vì\n", "mark the correct option"),
        ("## A {#a}\n\n- [x] a\n\n> vì\n", "at least two options"),
        ("## A {#a}\n\n- [x] a\n- [ ] b\n", "add an explanation"),
        (
            "## A {#a} {lesson=khong-co}\n\n- [x] a\n- [ ] b\n\n> vì\n",
            "{lesson=khong-co}: no such lesson",
        ),
        (
            "Lời mở đầu\n\n## A {#a}\n\n- [x] a\n- [ ] b\n\n> vì\n",
            "quiz.md:1: text before the first question",
        ),
        ("---\npass_mark: 150\n---\n## A {#a}\n\n- [x] a\n- [ ] b\n\n> vì\n", "pass_mark must be"),
        (
            "---\nbogus: 1\n---\n## A {#a}\n\n- [x] a\n- [ ] b\n\n> vì\n",
            "unknown quiz setting 'bogus'",
        ),
        (
            "---\nquestions_per_attempt: 1\n---\n## A {#a} {must}\n\n- [x] a\n- [ ] b\n\n> vì\n\n"
            "## B {#b} {must}\n\n- [x] a\n- [ ] b\n\n> vì\n",
            "do not fit questions_per_attempt",
        ),
        (
            "---\nquestions_per_attempt: 5\n---\n## A {#a}\n\n- [x] a\n- [ ] b\n\n> vì\n",
            "the bank has 1",
        ),
        ("## A {#a} {sometimes}\n\n- [x] a\n- [ ] b\n\n> vì\n", "unknown {...} marker"),
        ("## A {#a}\n\n- [x] a\n- [ ] b\n\n> vì\n\nthêm chữ\n", "text after the explanation"),
        ("", "the quiz has no questions"),
    ],
)
def test_quiz_problems(text, expected):
    found = quiz_problems(text)
    assert any(expected in m for m in found), found


def test_quiz_option_continuation_lines_and_defaults():
    quiz, problems = parse_quiz(
        "## A {#a}\n\n- [x] dòng một\n  dòng hai\n- [ ] b\n\n> giải thích\n> tiếp\n",
        "quiz.md",
        set(),
    )
    assert problems == []
    assert quiz.questions[0].options[0] == ("dòng một dòng hai", True)
    assert quiz.questions[0].explanation == "giải thích\ntiếp"
    assert quiz.settings == {
        "pass_mark": 80,
        "questions_per_attempt": 0,
        "max_attempts": 0,
        "cooldown_minutes": 0,
        "time_limit_minutes": 0,
        "shuffle_options": True,
    }


def test_pre_quiz_may_not_have_must_pass(tmp_path):
    _, problems = parse(tmp_path, **{"pre-quiz.md": QUIZ})
    assert any("pre-test never gates" in m for m in messages(problems))


def test_crlf_and_bom_are_accepted(tmp_path):
    course, problems = parse(
        tmp_path, **{"course.md": b"\xef\xbb\xbf" + COURSE_MD.replace("\n", "\r\n").encode()}
    )
    assert problems == []
    assert course.meta["title"] == "Phòng, chống đuối nước cho trẻ em"
