"""Web authoring: drafts in the course format, images, zip import/export, publish (DESIGN §3)."""

import io
import re
import warnings
import zipfile
from datetime import date
from pathlib import PurePosixPath

import yaml
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from portal import audit
from portal.courses.frontmatter import split_front_matter
from portal.courses.models import Course, CourseMedia, CourseVersion
from portal.courses.parser import (
    LESSON_FILE,
    MAX_FILE_BYTES,
    MAX_FILES,
    SLUG,
    SPECIAL_FILES,
    parse_course,
)
from portal.courses.publishing import publish_course, store_media
from portal.database import utcnow
from portal.extensions import db
from portal.text import fold, nfc

MAX_IMAGE_SIDE = 1280
MAX_IMAGE_PIXELS = 40_000_000  # larger images are refused as decompression bombs
MAX_ZIP_BYTES = 20 * 1024 * 1024  # unpacked total
IMAGE_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}


class AuthoringError(Exception):
    """An authoring action that cannot be done; `problems` lists every reason."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.problems = list(problems)


# Who may do what


def can_author(user):
    return user.is_authenticated and user.role in ("trainer", "admin")


def can_edit(user, course):
    """Trainers edit web courses owned by their subtree; admins any web course."""
    if not can_author(user) or course.bundled:
        return False
    if user.role == "admin":
        return True
    owner = course.owner_unit
    return owner is not None and user.unit is not None and owner.path.startswith(user.unit.path)


def can_copy(user, course):
    """Bundled courses are anyone's to copy or export; a web course only its editors'.

    Both hold the quiz with its answers.
    """
    return can_author(user) and (course.bundled or can_edit(user, course))


def get_media(user, media_id, name):
    """(image, public) by id and file name: a published version's for anyone, a draft's
    for its editors only; None when the user may not see it.

    An image stored after the course's version was published belongs to the draft.
    """
    row = db.session.execute(
        select(CourseMedia, Course, CourseVersion.published_at)
        .join(Course, Course.id == CourseMedia.course_id)
        .outerjoin(CourseVersion, CourseVersion.id == Course.current_version_id)
        .where(CourseMedia.id == media_id)
    ).first()
    if row is None or not row[0].name.endswith("/" + name):
        return None
    item, course, published_at = row
    if published_at is not None and item.created_at <= published_at:
        return item, True
    return (item, False) if can_edit(user, course) else None


def move_to_successor(sender=None, predecessors=(), successor=None, **_):
    """Units merged: their web courses belong to the successor, where their trainers went."""
    if not predecessors or successor is None:
        return
    # An ORM update: courses already in the session follow the rows.
    db.session.execute(
        update(Course)
        .where(Course.owner_unit_id.in_(list(predecessors)))
        .values(owner_unit_id=successor)
    )


def list_editable_courses(user):
    """Web courses the user may edit, and the bundled ones they may copy."""
    courses = db.session.scalars(select(Course).order_by(Course.slug)).all()
    return [c for c in courses if can_edit(user, c)], [c for c in courses if c.bundled]


def get_course_any(slug):
    """A course by slug, published or draft (editors only)."""
    return db.session.scalar(select(Course).where(Course.slug == slug))


# Drafts


def slug_from_title(title):
    slug = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")[:60].strip("-")
    return slug or "khoa-hoc"


def create_course(user, title, slug=None):
    """A new web course with a minimal draft, owned by the author's unit."""
    title = nfc(title or "")
    slug = slug or slug_from_title(title)
    if not SLUG.match(slug):
        raise AuthoringError(
            _l("Đường dẫn (slug) chỉ gồm chữ thường không dấu, số và dấu gạch ngang.")
        )
    if get_course_any(slug) is not None:
        raise AuthoringError(
            _l("Đã có khóa học với đường dẫn '%(slug)s'. Hãy chọn tên khác.", slug=slug)
        )
    course = Course(slug=slug, bundled=False, owner_unit_id=user.unit_id)
    course.draft_files = {"course.md": course_md(_default_meta(title), "")}
    db.session.add(course)
    db.session.flush()
    audit.record("course.created", "course", slug, actor=user, unit_id=user.unit_id)
    return course


def _default_meta(title):
    return {
        "title": title,
        "summary": title,
        "audiences": ["staff"],
        "minutes": 30,
        "language": "vi",
        "certificate": False,
        "validity_months": 0,
        "reviewed": date.today(),
        "sources": ["(ghi nguồn tài liệu)"],
    }


def course_md(meta, overview):
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=None)
    return f"---\n{front}---\n\n{overview.strip()}\n"


def get_draft(course):
    """The course's draft files, starting from the published ones when there is no draft."""
    if course.draft_files is None:
        current = course.current_version
        course.draft_files = dict(current.files) if current else {}
    return dict(course.draft_files)


def _save_draft(course, files):
    course.draft_files = dict(files)  # a new dict, so the JSON column sees the change
    db.session.flush()


def read_settings(course):
    files = get_draft(course)
    meta, body, _ = split_front_matter(files.get("course.md", ""), "course.md", [])
    return meta or {}, body.strip()


def save_settings(course, meta, overview):
    files = get_draft(course)
    files["course.md"] = course_md(meta, overview)
    _save_draft(course, files)


def list_draft_lessons(course):
    """[(number, slug, filename, title, minutes, body)] of the draft, in order."""
    lessons = []
    for name, text in get_draft(course).items():
        m = LESSON_FILE.match(name)
        if not m or name in SPECIAL_FILES:
            continue
        meta, body, _ = split_front_matter(text, name, [])
        meta = meta or {}
        lessons.append(
            (
                int(m.group(1)),
                m.group(2),
                name,
                meta.get("title", ""),
                meta.get("minutes", 5),
                body.strip(),
            )
        )
    return sorted(lessons)


def lesson_text(title, minutes, body):
    meta = yaml.safe_dump({"title": title, "minutes": minutes}, allow_unicode=True, sort_keys=False)
    return f"---\n{meta}---\n\n{body.strip()}\n"


def save_lesson(course, slug, title, minutes, body, old_slug=None):
    """Add a lesson at the end, or replace one (optionally renaming its slug)."""
    title = nfc(title or "")
    if not SLUG.match(slug):
        raise AuthoringError(
            _l("Đường dẫn bài học chỉ gồm chữ thường không dấu, số và dấu gạch ngang.")
        )
    lessons = list_draft_lessons(course)
    names = [(s, n) for _, s, n, *_ in lessons]
    if slug != old_slug and any(s == slug for s, _ in names):
        raise AuthoringError(_l("Khóa học đã có bài '%(slug)s'.", slug=slug))
    files = get_draft(course)
    order = [s for s, _ in names]
    if old_slug is None:
        order.append(slug)
    else:
        order[order.index(old_slug)] = slug
    for _, name in names:
        files.pop(name)
    texts = {s: files_text for s, files_text in _lesson_texts(lessons).items()}
    texts[slug] = lesson_text(title, minutes, body)
    if old_slug and old_slug != slug:
        texts.pop(old_slug, None)
    _renumber(files, order, texts)
    _save_draft(course, files)


def _lesson_texts(lessons):
    return {slug: lesson_text(title, minutes, body) for _, slug, _, title, minutes, body in lessons}


def _renumber(files, order, texts):
    for number, slug in enumerate(order, start=1):
        files[f"{number:02d}-{slug}.md"] = texts[slug]


def delete_lesson(course, slug):
    lessons = list_draft_lessons(course)
    if slug not in [s for _, s, *_ in lessons]:
        raise AuthoringError(_l("Không có bài học này."))
    files = get_draft(course)
    for _, _, name, *_ in lessons:
        files.pop(name)
    order = [s for _, s, *_ in lessons if s != slug]
    _renumber(files, order, _lesson_texts(lessons))
    _save_draft(course, files)


def move_lesson(course, slug, step):
    """Move a lesson up (step -1) or down (+1)."""
    lessons = list_draft_lessons(course)
    order = [s for _, s, *_ in lessons]
    if slug not in order:
        raise AuthoringError(_l("Không có bài học này."))
    i = order.index(slug)
    j = max(0, min(len(order) - 1, i + step))
    order[i], order[j] = order[j], order[i]
    files = get_draft(course)
    for _, _, name, *_ in lessons:
        files.pop(name)
    _renumber(files, order, _lesson_texts(lessons))
    _save_draft(course, files)


def save_file(course, name, text):
    """Replace quiz.md, pre-quiz.md or job-aid.md of the draft (empty text removes it)."""
    if name not in SPECIAL_FILES - {"course.md"}:
        raise AuthoringError(_l("Tệp không hợp lệ."))
    files = get_draft(course)
    if text.strip():
        files[name] = text.replace("\r\n", "\n")
    else:
        files.pop(name, None)
    _save_draft(course, files)


def draft_problems(course):
    """Every problem the publisher would find in the draft, as `file:line: message`."""
    _, problems = parse_course(course.slug, _draft_sources(course), prefix="")
    return problems


def _draft_sources(course):
    files = {name: text.encode() for name, text in get_draft(course).items()}
    files.update(draft_media(course))
    return files


def publish_draft(course, user):
    """Publish the draft as a new version; refuse with every problem listed."""
    parsed, problems = parse_course(course.slug, _draft_sources(course), prefix="")
    if parsed is None:
        raise AuthoringError(_l("Bản nháp còn lỗi, chưa xuất bản."), problems)
    course, outcome = publish_course(
        parsed, bundled=False, owner_unit_id=course.owner_unit_id, actor=user, course=course
    )
    course.draft_files = None
    db.session.flush()
    return outcome


def archive_course(course, user):
    course.archived_at = utcnow()
    audit.record("course.archived", "course", course.slug, actor=user, unit_id=course.owner_unit_id)


def copy_course(source, user, new_slug, new_title):
    """Copy a course (bundled ones included) into a new web course owned by the user's unit."""
    course = create_course(user, new_title, new_slug)
    files = dict(source.current_version.files if source.current_version else source.draft_files)
    meta, overview, _ = split_front_matter(files["course.md"], "course.md", [])
    meta = dict(meta or {})
    meta["title"] = new_title
    files["course.md"] = course_md(meta, overview)
    course.draft_files = files
    for name, data in draft_media(source).items():
        store_media(course, name, data)
    db.session.flush()
    return course


# Images


def draft_media(course):
    """The newest bytes of each media name of the course."""
    rows = db.session.scalars(
        select(CourseMedia).where(CourseMedia.course_id == course.id).order_by(CourseMedia.id)
    )
    return {row.name: row.data for row in rows}


def process_image(data):
    """Check the type from the bytes, strip metadata, fit in 1280 px, re-encode.

    Returns (bytes, extension); raises AuthoringError for anything that is not a safe image.
    """
    from PIL import Image  # imported on first use (lighter workers)

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                width, height = probe.size
            if kind not in IMAGE_FORMATS:
                raise AuthoringError(_l("Chỉ nhận ảnh PNG, JPEG, WebP hoặc GIF."))
            if width * height > MAX_IMAGE_PIXELS:
                raise AuthoringError(_l("Ảnh quá lớn."))
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                has_alpha = image.mode in ("RGBA", "LA") or (
                    image.mode == "P" and "transparency" in image.info
                )
                image = image.convert("RGBA" if has_alpha else "RGB")
                image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
                out = io.BytesIO()
                if has_alpha:
                    image.save(out, format="PNG", optimize=True)
                    return out.getvalue(), "png"
                image.save(out, format="JPEG", quality=82, optimize=True, progressive=True)
                return out.getvalue(), "jpg"
        except AuthoringError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise AuthoringError(_l("Ảnh quá lớn.")) from exc
        except Exception as exc:  # Pillow raises many kinds for non-images and broken files
            raise AuthoringError(
                _l("Tệp này không phải là ảnh hợp lệ (chỉ nhận PNG, JPEG, WebP, GIF).")
            ) from exc


def media_name(filename, extension):
    stem = re.sub(r"[^a-z0-9]+", "-", fold(PurePosixPath(filename or "anh").stem)).strip("-")
    return f"media/{(stem or 'anh')[:50]}.{extension}"


def upload_image(course, filename, data):
    """Process an uploaded image and add it to the course; return its media/<name>."""
    processed, extension = process_image(data)
    name = media_name(filename, extension)
    store_media(course, name, processed)
    return name


# Zip export and import


def export_zip(course):
    """The published course as a zip of the DESIGN §3 folder."""
    version = course.current_version
    files = version.files if version else get_draft(course)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in sorted(files.items()):
            zf.writestr(f"{course.slug}/{name}", text.encode())
        for name, data in sorted(draft_media(course).items()):
            zf.writestr(f"{course.slug}/{name}", data)
    return buf.getvalue()


def read_zip(data):
    """Unpack a course zip safely: (slug, {relative name: bytes}).

    Names, counts and sizes are checked before anything is read; no path leaves the course
    folder; sizes are enforced while reading, whatever the headers claim.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise AuthoringError(_l("Tệp không phải là tệp zip hợp lệ.")) from exc
    problems = []
    entries = [i for i in zf.infolist() if not i.is_dir()]
    if len(entries) > MAX_FILES:
        raise AuthoringError(_l("Tệp zip có quá nhiều tệp (tối đa %(n)s).", n=MAX_FILES))
    if sum(i.file_size for i in entries) > MAX_ZIP_BYTES:
        raise AuthoringError(_l("Tệp zip giải nén ra quá lớn (tối đa 20 MB)."))
    tops = set()
    for info in entries:
        name = info.filename
        parts = PurePosixPath(name).parts
        if (
            "\\" in name
            or name.startswith("/")
            or ".." in parts
            or ":" in name
            or len(parts) not in (2, 3)
            or (len(parts) == 3 and parts[1] != "media")
        ):
            problems.append(_l("%(name)s: đường dẫn không hợp lệ trong tệp zip", name=name))
            continue
        if info.file_size > MAX_FILE_BYTES:
            problems.append(_l("%(name)s: tệp lớn hơn 5 MB", name=name))
        tops.add(parts[0])
    if len(tops) > 1:
        problems.append(_l("Tệp zip phải chứa đúng một thư mục khóa học."))
    if problems:
        raise AuthoringError(_l("Tệp zip không hợp lệ."), problems)
    if not tops:
        raise AuthoringError(_l("Tệp zip trống."))
    slug = tops.pop()
    files = {}
    total = 0
    for info in entries:
        with zf.open(info) as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        total += len(data)
        if len(data) > MAX_FILE_BYTES or total > MAX_ZIP_BYTES:
            raise AuthoringError(_l("Tệp zip giải nén ra quá lớn."))
        files[info.filename.split("/", 1)[1]] = data
    return slug, files


def import_zip(user, data, existing=None):
    """Import a course zip as the draft of a web course (new, or `existing`)."""
    slug, files = read_zip(data)
    parsed, problems = parse_course(slug, files, prefix="")
    if parsed is None:
        raise AuthoringError(_l("Khóa học trong tệp zip còn lỗi, chưa nhập."), problems)
    if existing is None:
        course = get_course_any(slug)
        if course is not None:
            raise AuthoringError(
                _l("Đã có khóa học '%(slug)s'. Mở khóa học đó để nhập bản mới.", slug=slug)
            )
        course = create_course(user, parsed.meta["title"], slug)
    else:
        course = existing
        if slug != course.slug:
            raise AuthoringError(
                _l(
                    "Tệp zip là khóa học '%(slug)s', không phải '%(expected)s'.",
                    slug=slug,
                    expected=course.slug,
                )
            )
    for name, blob in parsed.media.items():
        processed, _ = process_image(blob)
        store_media(course, name, processed)
    course.draft_files = dict(parsed.files)
    audit.record("course.imported", "course", course.slug, actor=user, unit_id=course.owner_unit_id)
    db.session.flush()
    return course
