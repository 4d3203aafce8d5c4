"""The bundled curriculum: it must parse, and keep the shape the curriculum issue promises."""

import re
import unicodedata
from pathlib import Path

import pytest

from portal.courses.parser import STAFF_AUDIENCES, parse_course, read_folder
from portal.courses.publishing import check_path

CONTENT = Path(__file__).resolve().parent.parent / "content"
COURSES = sorted(p for p in CONTENT.iterdir() if (p / "course.md").is_file())


def parsed(folder):
    course, problems = parse_course(folder.name, read_folder(folder), prefix="content/")
    assert not problems, "\n".join(map(str, problems))
    return course


def test_content_check_passes():
    slugs, problems = check_path(CONTENT)
    assert not problems, "\n".join(map(str, problems))
    assert len(slugs) >= 8


@pytest.mark.parametrize("folder", COURSES, ids=lambda p: p.name)
def test_course_shape(folder):
    course = parsed(folder)
    meta = course.meta
    staff = bool(STAFF_AUDIENCES & set(meta["audiences"]))
    assert meta.get("title_en") and meta.get("summary_en")
    assert meta["sources"]
    assert 4 <= len(course.lessons) <= 8
    for lesson in course.lessons:
        words = len(re.findall(r"\w+", re.sub(r"\[\^\d+\]:.*", "", lesson.body)))
        assert 250 <= words <= 1000, (lesson.filename, words)
        assert "## Điều cần nhớ" in lesson.body, lesson.filename
        assert unicodedata.is_normalized("NFC", lesson.body)
    assert course.job_aid, "each course has a one-page job aid"
    quiz = course.quiz
    assert quiz is not None
    settings = quiz.settings
    if staff:
        assert len(quiz.questions) >= 15
        assert (settings["pass_mark"], meta["validity_months"]) == (80, 12)
    else:
        assert len(quiz.questions) >= 10
        assert (settings["pass_mark"], meta["validity_months"]) == (70, 0)
        assert settings["max_attempts"] == 0
    assert any(q.must for q in quiz.questions), "safety-critical facts are must-pass"
    assert all(q.explanation for q in quiz.questions)
    assert sum(1 for q in quiz.questions if q.lesson) >= len(quiz.questions) * 0.8


def test_two_staff_courses_have_a_pre_test():
    with_pre = [f for f in COURSES if (f / "pre-quiz.md").is_file()]
    assert len(with_pre) >= 2


def test_no_course_mixes_staff_and_parents_with_a_certificate():
    for folder in COURSES:
        meta = parsed(folder).meta
        if meta["certificate"]:
            assert not ("parent" in meta["audiences"] and STAFF_AUDIENCES & set(meta["audiences"]))


def test_the_help_numbers_are_taught():
    text = " ".join(
        (f / name).read_text() for f in COURSES for name in ("job-aid.md",) if (f / name).exists()
    )
    assert "111" in text and "115" in text
