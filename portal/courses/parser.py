"""The course format of DESIGN §3: a folder (or zip, or web draft) → plain data and problems.

Every source is first read into {relative path: bytes}, so folders, zips and web drafts go
through the same checks.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from portal.courses.frontmatter import Problem, decode, key_line, split_front_matter
from portal.courses.quizfile import parse_quiz

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LESSON_FILE = re.compile(r"^(\d{1,3})-(.+)\.md$")
RESERVED_SLUGS = frozenset(
    "quiz pre-quiz print job-aid media edit export stats attempts sessions certificates".split()
)
AUDIENCES = ("staff", "collaborator", "partner", "parent")
STAFF_AUDIENCES = frozenset(AUDIENCES[:3])
TOPICS = ("rights", "abuse", "drowning", "injury", "online", "data", "parenting", "leadership")
MEDIA_TYPES = {".png", ".jpg", ".jpeg", ".webp", ".gif"}
SPECIAL_FILES = {"course.md", "quiz.md", "pre-quiz.md", "job-aid.md"}
MAX_FILES = 200
MAX_FILE_BYTES = 5 * 1024 * 1024
_MEDIA_REF = re.compile(r"\]\((media/[^)\s]+)|src=[\"'](media/[^\"']+)")

# name: (required, kind)
COURSE_FIELDS = {
    "title": (True, str),
    "title_en": (False, str),
    "summary": (True, str),
    "summary_en": (False, str),
    "audiences": (True, list),
    "minutes": (True, int),
    "language": (True, str),
    "certificate": (True, bool),
    "validity_months": (True, int),
    "reviewed": (True, date),
    "sources": (True, list),
    "topics": (False, list),
}


@dataclass
class ParsedLesson:
    position: int
    slug: str
    title: str
    minutes: int
    body: str  # Markdown without front matter
    filename: str


@dataclass
class ParsedCourse:
    slug: str
    meta: dict
    overview: str
    lessons: list
    quiz: object = None  # QuizFile
    pre_quiz: object = None
    job_aid: str | None = None
    job_aid_title: str | None = None
    files: dict = field(default_factory=dict)  # text files by name, as published
    media: dict = field(default_factory=dict)  # media/<name>: bytes
    content_hash: str = ""


def read_folder(path):
    """Read a course folder into {relative path: bytes} (media one level down)."""
    path = Path(path)
    files = {}
    for item in sorted(path.iterdir()):
        if item.is_file() and not item.name.startswith("."):
            files[item.name] = item.read_bytes()
        elif item.is_dir() and item.name == "media":
            for media in sorted(item.iterdir()):
                if media.is_file() and not media.name.startswith("."):
                    files[f"media/{media.name}"] = media.read_bytes()
    return files


def content_hash(files):
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def parse_course(slug, files, prefix=""):
    """Parse a course's files; return (ParsedCourse or None, [Problem])."""
    problems = []
    where = f"{prefix}{slug}/" if prefix is not None else ""
    if not SLUG.match(slug):
        problems.append(
            Problem(where.rstrip("/"), 0, "course folder name must be a slug (a-z, 0-9, -)")
        )
    if len(files) > MAX_FILES:
        problems.append(Problem(where, 0, f"too many files (at most {MAX_FILES})"))
    texts = {}
    media = {}
    for name, data in files.items():
        if len(data) > MAX_FILE_BYTES:
            problems.append(Problem(where + name, 0, "file is larger than 5 MB"))
            continue
        if name.startswith("media/"):
            if Path(name).suffix.lower() not in MEDIA_TYPES:
                problems.append(Problem(where + name, 0, "media must be PNG, JPEG, WebP or GIF"))
            media[name] = data
        elif name.endswith(".md") and "/" not in name:
            text = decode(data, where + name, problems)
            if text is not None:
                texts[name] = text
        else:
            problems.append(Problem(where + name, 0, "unexpected file in a course folder"))

    if "course.md" not in texts:
        if not any(p.file == where + "course.md" for p in problems):
            problems.append(Problem(where + "course.md", 0, "missing course.md"))
        return None, problems
    meta, overview, _ = split_front_matter(texts["course.md"], where + "course.md", problems)
    if meta is None and not problems:
        problems.append(Problem(where + "course.md", 1, "course.md needs front matter (---)"))
    meta = _check_meta(meta or {}, texts["course.md"], where + "course.md", problems)

    lessons = _lessons(texts, where, problems)
    lesson_slugs = {lesson.slug for lesson in lessons}
    course = ParsedCourse(slug=slug, meta=meta, overview=overview.strip(), lessons=lessons)
    for name in ("quiz.md", "pre-quiz.md"):
        if name in texts:
            quiz, quiz_problems = parse_quiz(texts[name], where + name, lesson_slugs)
            problems.extend(quiz_problems)
            if name == "quiz.md":
                course.quiz = quiz
            else:
                course.pre_quiz = quiz
    if "job-aid.md" in texts:
        aid_meta, aid_body, _ = split_front_matter(
            texts["job-aid.md"], where + "job-aid.md", problems
        )
        course.job_aid = aid_body.strip()
        course.job_aid_title = (aid_meta or {}).get("title") or _first_heading(aid_body)
    if course.pre_quiz and any(q.must for q in course.pre_quiz.questions):
        problems.append(Problem(where + "pre-quiz.md", 1, "a pre-test never gates: remove {must}"))
    _check_media_refs(texts, media, where, problems)
    if meta.get("certificate") and "quiz.md" not in texts and not lessons:
        problems.append(Problem(where + "course.md", 1, "a certificate course needs lessons"))
    if problems:
        return None, problems
    course.files = {name: text for name, text in texts.items()}
    course.media = media
    course.content_hash = content_hash(files)
    return course, problems


def _check_meta(meta, text, filename, problems):
    def err(key, message):
        problems.append(Problem(filename, key_line(text, key), message))

    for key in meta:
        if key not in COURSE_FIELDS:
            err(key, f"unknown field '{key}'")
    for key, (required, kind) in COURSE_FIELDS.items():
        value = meta.get(key)
        if value is None:
            if required:
                problems.append(Problem(filename, 1, f"missing required field '{key}'"))
            continue
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            err(key, f"{key} must be a whole number")
        elif kind is date and not isinstance(value, date):
            err(key, f"{key} must be a date written YYYY-MM-DD")
        elif kind in (str, list, bool) and not isinstance(value, kind):
            err(key, f"{key} must be {'text' if kind is str else kind.__name__}")
        elif kind is str and not value.strip():
            err(key, f"{key} is empty")
    audiences = meta.get("audiences") or []
    if isinstance(audiences, list):
        for a in audiences:
            if a not in AUDIENCES:
                err("audiences", f"unknown audience '{a}' (use {', '.join(AUDIENCES)})")
        if not audiences:
            err("audiences", "name at least one audience")
        if (
            meta.get("certificate") is True
            and "parent" in audiences
            and (STAFF_AUDIENCES & set(audiences))
        ):
            err(
                "audiences",
                "a certified course is for staff-type audiences or for parents, not both",
            )
    topics = meta.get("topics") or []
    if isinstance(topics, list):
        for t in topics:
            if t not in TOPICS:
                err("topics", f"unknown topic '{t}' (use {', '.join(TOPICS)})")
    sources = meta.get("sources")
    if isinstance(sources, list) and not all(isinstance(s, str) and s.strip() for s in sources):
        err("sources", "each source is a line of text")
    if isinstance(meta.get("minutes"), int) and not 1 <= meta["minutes"] <= 6000:
        err("minutes", "minutes must be between 1 and 6000")
    if isinstance(meta.get("validity_months"), int) and not 0 <= meta["validity_months"] <= 120:
        err("validity_months", "validity_months must be between 0 and 120")
    if meta.get("language") not in (None, "vi", "en"):
        err("language", "language must be vi or en")
    return meta


def _first_heading(body):
    for line in body.split("\n"):
        if line.startswith("# "):
            return line[2:].strip()
    return None


def _lessons(texts, where, problems):
    lessons = []
    numbers = {}
    for name in sorted(texts):
        if name in SPECIAL_FILES:
            continue
        m = LESSON_FILE.match(name)
        if not m:
            problems.append(
                Problem(
                    where + name, 0, "a lesson file is named NN-lesson-slug.md (e.g. 01-vi-sao.md)"
                )
            )
            continue
        number, slug = int(m.group(1)), m.group(2)
        if not SLUG.match(slug):
            problems.append(Problem(where + name, 0, f"lesson slug '{slug}': use a-z, 0-9 and -"))
            continue
        if slug in RESERVED_SLUGS:
            problems.append(
                Problem(where + name, 0, f"'{slug}' is reserved; choose another lesson slug")
            )
            continue
        if number in numbers:
            problems.append(
                Problem(where + name, 0, f"lesson number {number} repeats {numbers[number]}")
            )
            continue
        numbers[number] = name
        text = texts[name]
        meta, body, body_line = split_front_matter(text, where + name, problems)
        meta = meta or {}
        for key in meta:
            if key not in ("title", "minutes"):
                problems.append(
                    Problem(where + name, key_line(text, key), f"unknown field '{key}'")
                )
        title = meta.get("title") or _first_heading(body)
        if not isinstance(title, str) or not title.strip():
            problems.append(
                Problem(where + name, 1, "a lesson needs a title (front matter or # heading)")
            )
            continue
        if not meta.get("title"):  # the heading is the title: do not show it twice
            body = re.sub(r"^\s*# .*\n?", "", body, count=1)
        minutes = meta.get("minutes", 5)
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 600:
            problems.append(
                Problem(where + name, key_line(text, "minutes"), "minutes must be a whole number")
            )
            continue
        if not body.strip():
            problems.append(Problem(where + name, body_line, "the lesson is empty"))
            continue
        lessons.append(ParsedLesson(number, slug, title.strip(), minutes, body.strip(), name))
    slugs = [lesson.slug for lesson in lessons]
    for slug in {s for s in slugs if slugs.count(s) > 1}:
        problems.append(Problem(where, 0, f"lesson slug '{slug}' is used twice"))
    lessons.sort(key=lambda lesson: lesson.position)
    for expected, lesson in enumerate(lessons, start=1):
        if lesson.position != expected:
            problems.append(
                Problem(
                    where + lesson.filename,
                    0,
                    f"lessons are numbered 1, 2, 3…: expected {expected:02d}",
                )
            )
            break
    return lessons


def _check_media_refs(texts, media, where, problems):
    for name, text in texts.items():
        for number, line in enumerate(text.split("\n"), start=1):
            for m in _MEDIA_REF.finditer(line):
                ref = m.group(1) or m.group(2)
                if ref not in media:
                    problems.append(Problem(where + name, number, f"{ref} does not exist"))
