"""Publishing: immutable versions, idempotent sync, one broken course never half-published."""

from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.courses import publishing
from portal.courses.models import Course, CourseMedia, CourseVersion, Lesson
from tests.courses.sample import LESSON_2, write_course


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_sync_creates_then_is_unchanged(db, tmp_path):
    write_course(tmp_path)
    assert [o for _, o, _ in publishing.sync_content(tmp_path)] == ["created"]
    db.session.commit()
    assert [o for _, o, _ in publishing.sync_content(tmp_path)] == ["unchanged"]
    assert count(db, CourseVersion) == 1
    version = db.session.scalar(select(CourseVersion))
    assert version.number == 1
    assert version.quiz["questions"][0]["correct"] == [1]
    assert version.pre_quiz["questions"][0]["id"] == "pre-age"
    assert "Lưu ý" in version.lessons[1].body_html
    assert "duoi nuoc" in version.search_text
    assert version.files["quiz.md"].startswith("---")
    assert db.session.scalar(select(AuditEvent.action)) == "course.published"


def test_changed_course_gets_a_new_version_and_old_one_stays(db, tmp_path):
    write_course(tmp_path)
    list(publishing.sync_content(tmp_path))
    db.session.commit()
    write_course(tmp_path, **{"02-so-cuu.md": LESSON_2 + "\n3. Giữ ấm cho trẻ.\n"})
    assert [o for _, o, _ in publishing.sync_content(tmp_path)] == ["updated"]
    db.session.commit()
    course = db.session.scalar(select(Course))
    assert course.current_version.number == 2
    assert count(db, CourseVersion) == 2
    assert count(db, Lesson) == 4
    assert count(db, CourseMedia) == 1  # the same image is stored once


def test_broken_course_is_reported_and_others_go_on(db, tmp_path):
    write_course(tmp_path, slug="tot")
    write_course(tmp_path, slug="hong", **{"quiz.md": "## no id\n"})
    results = {slug: (o, p) for slug, o, p in publishing.sync_content(tmp_path)}
    db.session.commit()
    assert results["tot"][0] == "created"
    assert results["hong"][0] == "failed"
    assert any("cần mã cố định" in str(p) for p in results["hong"][1])
    assert db.session.scalar(select(Course.slug)) == "tot"


def test_sync_never_overwrites_a_web_course(db, tmp_path):
    db.session.add(Course(slug="duoi-nuoc", bundled=False))
    db.session.commit()
    write_course(tmp_path)
    [(slug, outcome, problems)] = publishing.sync_content(tmp_path)
    assert outcome == "failed" and "authored on the web" in problems[0]


def test_rerender_rebuilds_html_from_markdown(db, tmp_path):
    write_course(tmp_path)
    list(publishing.sync_content(tmp_path))
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "so-cuu"))
    lesson.body_html = "<p>stale</p>"
    db.session.commit()
    assert publishing.rerender_versions() == 1
    db.session.commit()
    assert "Lưu ý" in db.session.get(Lesson, lesson.id).body_html


def test_check_path_for_root_and_single_course(tmp_path):
    folder = write_course(tmp_path)
    assert publishing.check_path(tmp_path) == (["duoi-nuoc"], [])
    assert publishing.check_path(folder) == (["duoi-nuoc"], [])
    slugs, problems = publishing.check_path(tmp_path / "nothing-here")
    assert slugs == [] and "không thấy thư mục khóa học" in str(problems[0])


def test_cli_check_and_sync(app, db, tmp_path):
    runner = app.test_cli_runner()
    write_course(tmp_path)
    result = runner.invoke(args=["content", "check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    write_course(tmp_path, slug="hong", **{"quiz.md": "## no id\n"})
    result = runner.invoke(args=["content", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path}/hong/quiz.md:1: câu hỏi cần mã cố định" in result.output
    result = runner.invoke(args=["content", "sync", str(tmp_path)])
    assert result.exit_code == 1
    assert "created    duoi-nuoc" in result.output and "failed     hong" in result.output
    result = runner.invoke(args=["content", "sync", str(tmp_path / "duoi-nuoc")])
    assert "unchanged  duoi-nuoc" in result.output
    result = runner.invoke(args=["content", "rerender"])
    assert result.exit_code == 0 and "re-rendered 1" in result.output
