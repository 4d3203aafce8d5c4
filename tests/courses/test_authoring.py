"""Web authoring: drafts, permissions, images, zip limits, publishing a new version."""

import io
import zipfile

import pytest
from PIL import Image

from portal.courses import authoring, services
from portal.courses.authoring import AuthoringError
from tests.courses.sample import png_bytes

LESSON = "Trẻ nhỏ có thể đuối nước trong lu nước.\n\n## Điều cần nhớ\n\n- Đậy lu.\n"


@pytest.fixture
def trainer(tree, make_user):
    return make_user("trainer", tree["commune"])


@pytest.fixture
def draft(trainer, db):
    course = authoring.create_course(trainer, "An toàn nguồn nước", "an-toan-nuoc")
    authoring.save_lesson(course, "lu-nuoc", "Lu nước", 5, LESSON)
    db.session.commit()
    return course


def test_create_course_with_slug_from_title(trainer, db):
    course = authoring.create_course(trainer, "Đuối nước: mùa hè")
    assert course.slug == "duoi-nuoc-mua-he"
    assert course.owner_unit_id == trainer.unit_id and not course.bundled
    with pytest.raises(AuthoringError, match="Đã có khóa học"):
        authoring.create_course(trainer, "Khác", "duoi-nuoc-mua-he")
    with pytest.raises(AuthoringError):
        authoring.create_course(trainer, "Khác", "Không Hợp Lệ")


def test_draft_is_private_until_published(draft, db, trainer):
    assert services.get_course("an-toan-nuoc") is None
    assert authoring.draft_problems(draft) == []
    assert authoring.publish_draft(draft, trainer) == "created"
    db.session.commit()
    course = services.get_course("an-toan-nuoc")
    assert course.current_version.lessons[0].title == "Lu nước"
    assert course.draft_files is None


def test_lessons_add_rename_move_delete_keep_numbering(draft):
    authoring.save_lesson(draft, "ao-ho", "Ao hồ", 6, "Ao.\n")
    authoring.save_lesson(draft, "song-suoi", "Sông suối", 7, "Sông.\n")
    authoring.move_lesson(draft, "song-suoi", -1)
    assert [s for _, s, *_ in authoring.list_draft_lessons(draft)] == [
        "lu-nuoc",
        "song-suoi",
        "ao-ho",
    ]
    authoring.save_lesson(draft, "ao", "Ao", 6, "Ao.\n", old_slug="ao-ho")
    authoring.delete_lesson(draft, "lu-nuoc")
    names = sorted(n for n in authoring.get_draft(draft) if n != "course.md")
    assert names == ["01-song-suoi.md", "02-ao.md"]
    with pytest.raises(AuthoringError):
        authoring.save_lesson(draft, "ao", "Trùng", 5, "x", old_slug="song-suoi")
    with pytest.raises(AuthoringError):
        authoring.delete_lesson(draft, "khong-co")


def test_quiz_errors_block_publishing_and_are_listed(draft, trainer):
    authoring.save_file(draft, "quiz.md", "## Câu hỏi không có mã\n\n- [x] a\n- [ ] b\n\n> vì\n")
    problems = [str(p) for p in authoring.draft_problems(draft)]
    assert problems == ["an-toan-nuoc/quiz.md:1: câu hỏi cần mã cố định: {#ma-cau-hoi}"]
    with pytest.raises(AuthoringError) as info:
        authoring.publish_draft(draft, trainer)
    assert info.value.problems


def test_republishing_keeps_learner_progress(draft, db, trainer, make_user):
    authoring.publish_draft(draft, trainer)
    db.session.commit()
    learner = make_user()
    services.complete_lesson(learner, draft, "lu-nuoc")
    authoring.save_lesson(draft, "ao-ho", "Ao hồ", 6, "Ao.\n")
    assert authoring.publish_draft(draft, trainer) == "updated"
    db.session.commit()
    assert draft.current_version.number == 2
    assert services.list_done_lessons(learner, draft.slug) == {"lu-nuoc"}


def test_permissions(tree, make_user, draft, trainer):
    other_trainer = make_user("trainer", tree["other"])
    province_trainer = make_user("trainer", tree["province"])
    admin = make_user("admin", None)
    learner = make_user("learner", tree["commune"])
    assert authoring.can_edit(trainer, draft)
    assert authoring.can_edit(province_trainer, draft)
    assert authoring.can_edit(admin, draft)
    assert not authoring.can_edit(other_trainer, draft)
    assert not authoring.can_edit(learner, draft)
    assert authoring.can_copy(trainer, draft) and authoring.can_copy(admin, draft)
    assert not authoring.can_copy(other_trainer, draft) and not authoring.can_copy(learner, draft)
    draft.bundled = True
    assert not authoring.can_edit(admin, draft)
    assert authoring.can_copy(other_trainer, draft) and not authoring.can_copy(learner, draft)


def test_a_merged_units_courses_follow_its_trainers(tree, make_user, draft, trainer, db):
    from portal.accounts.models import User
    from portal.orgs import services as units

    units.merge_units([tree["commune"]], tree["other"])
    db.session.commit()
    db.session.expire_all()  # as the next request reads them
    moved = db.session.get(User, trainer.id)
    assert moved.unit_id == tree["other"].id
    assert draft.owner_unit_id == tree["other"].id and authoring.can_edit(moved, draft)


def test_copy_a_bundled_course(publish, trainer, db):
    source = publish()
    copy = authoring.copy_course(source, trainer, "duoi-nuoc-xa", "Đuối nước (xã)")
    db.session.commit()
    assert authoring.draft_problems(copy) == []
    assert "media/ao.png" in authoring.draft_media(copy)
    assert "Đuối nước (xã)" in authoring.get_draft(copy)["course.md"]


def image(fmt="PNG", size=(2000, 1000), mode="RGB", **save):
    buf = io.BytesIO()
    color = 1 if mode == "1" else (10, 120, 200, 255)[: len(mode)]
    Image.new(mode, size, color).save(buf, format=fmt, **save)
    return buf.getvalue()


def test_images_are_resized_and_stripped_of_metadata():
    exif = Image.Exif()
    exif[0x010F] = "Camera co GPS"
    data, ext = authoring.process_image(image("JPEG", exif=exif.tobytes()))
    assert ext == "jpg"
    with Image.open(io.BytesIO(data)) as out:
        assert out.size == (1280, 640)
        assert not out.getexif()
    data, ext = authoring.process_image(image("PNG", (50, 50), "RGBA"))
    assert ext == "png"


@pytest.mark.parametrize(
    "payload",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"<html><script>alert(1)</script></html>",
        b"GIF89a<script>alert(1)</script>",  # a lying header
        b"\x89PNG\r\n\x1a\n" + b"\0" * 20,  # a broken PNG
        b"",
    ],
)
def test_non_images_are_refused(payload):
    with pytest.raises(AuthoringError):
        authoring.process_image(payload)


def test_decompression_bomb_is_refused():
    # A tiny PNG that claims a huge canvas.
    bomb = image("PNG", (9000, 9000), "1")
    assert len(bomb) < 200_000
    with pytest.raises(AuthoringError, match="quá lớn"):
        authoring.process_image(bomb)


def test_media_names_are_safe():
    assert authoring.media_name("../../Ảnh Ao Hồ.PNG", "png") == "media/anh-ao-ho.png"


def make_zip(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_export_and_import_round_trip(publish, trainer, db):
    source = publish()
    data = authoring.export_zip(source)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "duoi-nuoc/course.md" in names and "duoi-nuoc/media/ao.png" in names
    source.slug = "duoi-nuoc-cu"  # free the slug so the import creates a web course
    db.session.commit()
    course = authoring.import_zip(trainer, data)
    db.session.commit()
    assert course.slug == "duoi-nuoc" and not course.bundled
    assert authoring.draft_problems(course) == []


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"x/../../etc/passwd": b"x"}, "đường dẫn không hợp lệ"),
        ({"/abs/course.md": b"x"}, "đường dẫn không hợp lệ"),
        ({"x\\..\\course.md": b"x"}, "đường dẫn không hợp lệ"),
        ({"x/sub/deep/course.md": b"x"}, "đường dẫn không hợp lệ"),
        ({"a/course.md": b"x", "b/course.md": b"x"}, "đúng một thư mục"),
    ],
)
def test_zip_paths_are_checked_before_unpacking(entries, message):
    with pytest.raises(AuthoringError) as info:
        authoring.read_zip(make_zip(entries))
    assert any(message in p for p in info.value.problems)


def test_zip_limits():
    with pytest.raises(AuthoringError, match="quá nhiều tệp"):
        authoring.read_zip(make_zip({f"x/{i:03d}-a.md": b"x" for i in range(201)}))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x/course.md", b"0" * (21 * 1024 * 1024))
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(AuthoringError, match="quá lớn"):
        authoring.read_zip(bomb.getvalue())
    with pytest.raises(AuthoringError, match="không phải là tệp zip"):
        authoring.read_zip(b"not a zip")


def test_broken_course_zip_imports_nothing(trainer, db):
    from portal.courses.models import Course

    with pytest.raises(AuthoringError) as info:
        authoring.import_zip(trainer, make_zip({"hong/course.md": b"---\ntitle: x\n---\n"}))
    assert info.value.problems
    assert db.session.query(Course).count() == 0


def test_import_refuses_a_different_course(draft, trainer, publish):
    data = authoring.export_zip(publish())
    with pytest.raises(AuthoringError, match="không phải"):
        authoring.import_zip(trainer, data, existing=draft)


def test_archive_hides_from_catalog(draft, trainer, db):
    authoring.publish_draft(draft, trainer)
    authoring.archive_course(draft, trainer)
    db.session.commit()
    assert services.get_course("an-toan-nuoc") is None
    assert services.list_catalog(None) == []
    assert png_bytes()  # the sample helper stays importable


def test_images_added_after_publishing_stay_the_drafts_until_the_next_version(
    draft, trainer, db, make_user, tree
):
    from flask_login import AnonymousUserMixin
    from sqlalchemy import select

    from portal.courses.models import CourseMedia

    def base(item):
        return item.name.rsplit("/", 1)[1]

    def stored(name):
        return db.session.scalar(select(CourseMedia).where(CourseMedia.name == name))

    visitor, outsider = AnonymousUserMixin(), make_user("trainer", tree["other"])
    first = stored(authoring.upload_image(draft, "ao.png", png_bytes()))
    db.session.commit()
    assert authoring.get_media(visitor, first.id, base(first)) is None  # never published
    authoring.publish_draft(draft, trainer)
    db.session.commit()
    later = stored(authoring.upload_image(draft, "gieng.png", png_bytes(size=(50, 20))))
    db.session.commit()
    assert authoring.get_media(visitor, first.id, base(first)) == (first, True)
    assert authoring.get_media(visitor, later.id, base(later)) is None
    assert authoring.get_media(outsider, later.id, base(later)) is None
    assert authoring.get_media(trainer, later.id, base(later)) == (later, False)
