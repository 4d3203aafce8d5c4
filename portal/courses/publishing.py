"""One publisher: parsed course → immutable CourseVersion with rendered HTML (DESIGN §2, §3)."""

import hashlib
import io
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import audit
from portal.courses.models import Course, CourseMedia, CourseVersion, Lesson
from portal.courses.parser import parse_course, read_folder
from portal.extensions import db
from portal.markdown import plain_text, render
from portal.text import fold

CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}


class PublishError(Exception):
    """A course that cannot be published as asked (the message says why)."""


def check_path(path):
    """Validate a content root or one course folder; return (slugs, problems)."""
    path = Path(path)
    folders = _course_folders(path)
    slugs, problems = [], []
    if not folders:
        from portal.courses.frontmatter import Problem

        return [], [
            Problem(str(path), 0, _l("không thấy thư mục khóa học nào (có course.md) ở đây"))
        ]
    for folder in folders:
        parsed, found = parse_course(folder.name, read_folder(folder), prefix=f"{folder.parent}/")
        problems.extend(found)
        if parsed:
            slugs.append(parsed.slug)
    return slugs, problems


def _course_folders(path):
    if (path / "course.md").is_file():
        return [path]
    if not path.is_dir():
        return []
    return [p for p in sorted(path.iterdir()) if p.is_dir() and (p / "course.md").is_file()]


def sync_content(path, actor=None):
    """Publish every changed course under `path`; each course succeeds or fails alone.

    Yields (slug, outcome, problems) with outcome created / updated / unchanged / failed.
    """
    for folder in _course_folders(Path(path)):
        parsed, problems = parse_course(
            folder.name, read_folder(folder), prefix=f"{folder.parent}/"
        )
        if parsed is None:
            yield folder.name, "failed", problems
            continue
        savepoint = db.session.begin_nested()
        try:
            _, outcome = publish_course(parsed, bundled=True, actor=actor)
            savepoint.commit()
        except PublishError as exc:
            savepoint.rollback()
            yield folder.name, "failed", [str(exc)]
            continue
        yield folder.name, outcome, []


def publish_course(parsed, *, bundled, owner_unit_id=None, actor=None, course=None):
    """Publish `parsed` as a new version unless nothing changed; return (course, outcome)."""
    if course is None:
        course = db.session.scalar(select(Course).where(Course.slug == parsed.slug))
    if course is None:
        course = Course(slug=parsed.slug, bundled=bundled, owner_unit_id=owner_unit_id)
        db.session.add(course)
        db.session.flush()
        outcome = "created"
    else:
        if course.bundled != bundled:
            raise PublishError(
                f"{parsed.slug}: a course with this slug was authored on the web; "
                "rename the folder or the web course"
            )
        current = course.current_version
        if current is not None and current.content_hash == parsed.content_hash:
            return course, "unchanged"
        outcome = "updated" if current is not None else "created"
    media = _store_media(course, parsed.media)
    number = (
        db.session.scalar(
            select(db.func.max(CourseVersion.number)).where(CourseVersion.course_id == course.id)
        )
        or 0
    ) + 1
    meta = parsed.meta
    version = CourseVersion(
        course_id=course.id,
        number=number,
        content_hash=parsed.content_hash,
        published_by_id=getattr(actor, "id", None),
        title=meta["title"],
        title_en=meta.get("title_en"),
        summary=meta["summary"],
        summary_en=meta.get("summary_en"),
        audiences=list(meta["audiences"]),
        topics=list(meta.get("topics") or []),
        minutes=meta["minutes"],
        language=meta["language"],
        certificate=meta["certificate"],
        validity_months=meta["validity_months"],
        reviewed_on=meta["reviewed"],
        sources=list(meta["sources"]),
        files=parsed.files,
        job_aid_title=parsed.job_aid_title,
    )
    version.lessons = [
        Lesson(
            position=lesson.position,
            slug=lesson.slug,
            title=lesson.title,
            minutes=lesson.minutes,
            body_md=lesson.body,
            body_html="",
        )
        for lesson in parsed.lessons
    ]
    _render_version(version, parsed, media)
    db.session.add(version)
    db.session.flush()
    course.current_version = version
    course.draft_files = None if bundled else course.draft_files
    audit.record(
        "course.published",
        "course",
        course.slug,
        actor=actor,
        unit_id=course.owner_unit_id,
        version=number,
    )
    db.session.flush()
    return course, outcome


def _render_version(version, parsed, media):
    version.overview_html = render(parsed.overview, media=media)
    version.job_aid_html = render(parsed.job_aid, media=media) if parsed.job_aid else None
    version.quiz = render_quiz(parsed.quiz, media) if parsed.quiz else None
    version.pre_quiz = render_quiz(parsed.pre_quiz, media) if parsed.pre_quiz else None
    texts = [version.title, version.title_en or "", version.summary, version.summary_en or ""]
    for lesson, source in zip(version.lessons, parsed.lessons, strict=True):
        lesson.body_html = render(source.body, media=media)
        text = plain_text(lesson.body_html)
        lesson.excerpt = text[:280]
        texts += [lesson.title, text]
    version.search_text = fold(" ".join(texts))


def render_quiz(quiz, media=None):
    """A parsed quiz as stored on the version: settings plus questions with HTML."""
    return {
        "settings": dict(quiz.settings),
        "questions": [
            {
                "id": q.id,
                "text": render(q.text, media=media, inline=True),
                "prompt": render(q.prompt, media=media) if q.prompt else "",
                "options": [render(text, media=media, inline=True) for text, _ in q.options],
                "correct": [i for i, (_, correct) in enumerate(q.options) if correct],
                "explanation": render(q.explanation, media=media),
                "must": q.must,
                "lesson": q.lesson,
            }
            for q in quiz.questions
        ],
    }


def store_media(course, name, data):
    """Store one image of a course once per content; return its CourseMedia row."""
    from PIL import Image  # imported on first use: lighter workers

    digest = hashlib.sha256(data).hexdigest()
    row = db.session.scalar(
        select(CourseMedia).where(
            CourseMedia.course_id == course.id,
            CourseMedia.name == name,
            CourseMedia.sha256 == digest,
        )
    )
    if row is None:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            kind = image.format
        row = CourseMedia(
            course_id=course.id,
            name=name,
            sha256=digest,
            content_type=CONTENT_TYPES.get(kind, "application/octet-stream"),
            width=width,
            height=height,
            data=data,
        )
        db.session.add(row)
        db.session.flush()
    return row


def _store_media(course, files):
    """Store a course's images; return the renderer's map name → url and size."""
    result = {}
    for name, data in files.items():
        row = store_media(course, name, data)
        # A stable path (media rows never change), built without a request for CLI use.
        url = f"/courses/media/{row.id}/{Path(name).name}"
        result[name] = {"url": url, "width": row.width, "height": row.height}
    return result


def rerender_versions():
    """Re-render every stored version from its own files (after a sanitiser change)."""
    count = 0
    for version in db.session.scalars(select(CourseVersion)):
        course = version.course
        parsed, problems = parse_course(
            course.slug, {k: v.encode() for k, v in version.files.items()} | _media_files(course)
        )
        if parsed is None:
            continue
        media = _store_media(course, parsed.media)
        _render_version(version, parsed, media)
        count += 1
    db.session.flush()
    return count


def _media_files(course):
    rows = db.session.scalars(select(CourseMedia).where(CourseMedia.course_id == course.id))
    latest = {}
    for row in rows:
        latest[row.name] = row.data
    return latest
