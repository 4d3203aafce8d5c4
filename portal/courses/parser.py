"""The course format of DESIGN §3: a folder (or zip, or web draft) → plain data and problems.

Every source is first read into {relative path: bytes}, so folders, zips and web drafts go
through the same checks.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask_babel import lazy_gettext as _l

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

# The message for a field of the wrong kind (int and date have their own).
_KIND_MESSAGES = {
    str: lambda key: _l("%(key)s phải là chữ", key=key),
    list: lambda key: _l("%(key)s phải là một danh sách", key=key),
    bool: lambda key: _l("%(key)s phải là true hoặc false", key=key),
}

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
            Problem(where.rstrip("/"), 0, _l("tên thư mục khóa học phải là slug (a-z, 0-9, -)"))
        )
    if len(files) > MAX_FILES:
        problems.append(Problem(where, 0, _l("quá nhiều tệp (tối đa %(n)s)", n=MAX_FILES)))
    texts = {}
    media = {}
    for name, data in files.items():
        if len(data) > MAX_FILE_BYTES:
            problems.append(Problem(where + name, 0, _l("tệp lớn hơn 5 MB")))
            continue
        if name.startswith("media/"):
            if Path(name).suffix.lower() not in MEDIA_TYPES:
                problems.append(
                    Problem(where + name, 0, _l("ảnh phải là PNG, JPEG, WebP hoặc GIF"))
                )
            media[name] = data
        elif name.endswith(".md") and "/" not in name:
            text = decode(data, where + name, problems)
            if text is not None:
                texts[name] = text
        else:
            problems.append(Problem(where + name, 0, _l("tệp này không thuộc thư mục khóa học")))

    if "course.md" not in texts:
        if not any(p.file == where + "course.md" for p in problems):
            problems.append(Problem(where + "course.md", 0, _l("thiếu tệp course.md")))
        return None, problems
    meta, overview, _ = split_front_matter(texts["course.md"], where + "course.md", problems)
    if meta is None and not problems:
        problems.append(
            Problem(where + "course.md", 1, _l("course.md cần phần khai báo đầu tệp (---)"))
        )
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
        problems.append(
            Problem(
                where + "pre-quiz.md", 1, _l("bài kiểm tra đầu vào không chặn gì: hãy bỏ {must}")
            )
        )
    _check_media_refs(texts, media, where, problems)
    if meta.get("certificate") and "quiz.md" not in texts and not lessons:
        problems.append(
            Problem(where + "course.md", 1, _l("khóa học có chứng nhận cần có bài học"))
        )
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
            err(key, _l("trường không có trong định dạng: '%(key)s'", key=key))
    for key, (required, kind) in COURSE_FIELDS.items():
        value = meta.get(key)
        if value is None:
            if required:
                problems.append(
                    Problem(filename, 1, _l("thiếu trường bắt buộc '%(key)s'", key=key))
                )
            continue
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            err(key, _l("%(key)s phải là số nguyên", key=key))
        elif kind is date and not isinstance(value, date):
            err(key, _l("%(key)s phải là ngày viết dạng YYYY-MM-DD", key=key))
        elif kind in (str, list, bool) and not isinstance(value, kind):
            err(key, _KIND_MESSAGES[kind](key))
        elif kind is str and not value.strip():
            err(key, _l("%(key)s đang để trống", key=key))
    audiences = meta.get("audiences") or []
    if isinstance(audiences, list):
        for a in audiences:
            if a not in AUDIENCES:
                err(
                    "audiences",
                    _l(
                        "đối tượng không hợp lệ: '%(value)s' (dùng %(allowed)s)",
                        value=a,
                        allowed=", ".join(AUDIENCES),
                    ),
                )
        if not audiences:
            err("audiences", _l("hãy ghi ít nhất một đối tượng"))
        if (
            meta.get("certificate") is True
            and "parent" in audiences
            and (STAFF_AUDIENCES & set(audiences))
        ):
            err(
                "audiences",
                _l("khóa học có chứng nhận dành cho cán bộ hoặc cho cha mẹ, không cho cả hai"),
            )
    topics = meta.get("topics") or []
    if isinstance(topics, list):
        for t in topics:
            if t not in TOPICS:
                err(
                    "topics",
                    _l(
                        "chủ đề không hợp lệ: '%(value)s' (dùng %(allowed)s)",
                        value=t,
                        allowed=", ".join(TOPICS),
                    ),
                )
    sources = meta.get("sources")
    if isinstance(sources, list) and not all(isinstance(s, str) and s.strip() for s in sources):
        err("sources", _l("mỗi nguồn tài liệu là một dòng chữ"))
    if isinstance(meta.get("minutes"), int) and not 1 <= meta["minutes"] <= 6000:
        err("minutes", _l("minutes phải từ 1 đến 6000"))
    if isinstance(meta.get("validity_months"), int) and not 0 <= meta["validity_months"] <= 120:
        err("validity_months", _l("validity_months phải từ 0 đến 120"))
    if meta.get("language") not in (None, "vi", "en"):
        err("language", _l("language phải là vi hoặc en"))
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
                    where + name,
                    0,
                    _l("tệp bài học đặt tên dạng NN-slug-bai-hoc.md (ví dụ 01-vi-sao.md)"),
                )
            )
            continue
        number, slug = int(m.group(1)), m.group(2)
        if not SLUG.match(slug):
            problems.append(
                Problem(
                    where + name,
                    0,
                    _l("slug bài học '%(slug)s': chỉ dùng a-z, 0-9 và -", slug=slug),
                )
            )
            continue
        if slug in RESERVED_SLUGS:
            problems.append(
                Problem(
                    where + name,
                    0,
                    _l("'%(slug)s' là từ dành riêng; hãy chọn slug bài học khác", slug=slug),
                )
            )
            continue
        if number in numbers:
            problems.append(
                Problem(
                    where + name,
                    0,
                    _l(
                        "số thứ tự bài %(number)s trùng với %(other)s",
                        number=number,
                        other=numbers[number],
                    ),
                )
            )
            continue
        numbers[number] = name
        text = texts[name]
        meta, body, body_line = split_front_matter(text, where + name, problems)
        meta = meta or {}
        for key in meta:
            if key not in ("title", "minutes"):
                problems.append(
                    Problem(
                        where + name,
                        key_line(text, key),
                        _l("trường không có trong định dạng: '%(key)s'", key=key),
                    )
                )
        title = meta.get("title") or _first_heading(body)
        if not isinstance(title, str) or not title.strip():
            problems.append(
                Problem(
                    where + name,
                    1,
                    _l("bài học cần tiêu đề (trong phần khai báo đầu tệp hoặc dòng # tiêu đề)"),
                )
            )
            continue
        if not meta.get("title"):  # the heading is the title: do not show it twice
            body = re.sub(r"^\s*# .*\n?", "", body, count=1)
        minutes = meta.get("minutes", 5)
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 600:
            problems.append(
                Problem(
                    where + name,
                    key_line(text, "minutes"),
                    _l("%(key)s phải là số nguyên", key="minutes"),
                )
            )
            continue
        if not body.strip():
            problems.append(Problem(where + name, body_line, _l("bài học chưa có nội dung")))
            continue
        lessons.append(ParsedLesson(number, slug, title.strip(), minutes, body.strip(), name))
    slugs = [lesson.slug for lesson in lessons]
    for slug in {s for s in slugs if slugs.count(s) > 1}:
        problems.append(Problem(where, 0, _l("slug bài học '%(slug)s' bị dùng hai lần", slug=slug)))
    lessons.sort(key=lambda lesson: lesson.position)
    for expected, lesson in enumerate(lessons, start=1):
        if lesson.position != expected:
            problems.append(
                Problem(
                    where + lesson.filename,
                    0,
                    _l("bài học đánh số 1, 2, 3…: cần số %(expected)s", expected=f"{expected:02d}"),
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
                    problems.append(
                        Problem(where + name, number, _l("%(ref)s không tồn tại", ref=ref))
                    )
