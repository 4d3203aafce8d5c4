"""The authoring pages: a trainer writes, previews, publishes, exports and re-imports."""

import io

import pytest

from portal.courses import services


@pytest.fixture
def trainer(tree, make_user, login):
    return login(make_user("trainer", tree["commune"]))


def page(r):
    return r.get_data(as_text=True)


def test_write_preview_publish_export_reimport(client, trainer, db):
    r = client.post("/courses/new", data={"title": "Sơ cứu cơ bản", "slug": ""})
    assert r.status_code == 302 and r.headers["Location"].endswith("/courses/so-cuu-co-ban/edit")
    lesson = {
        "title": "Cầm máu",
        "slug": "cam-mau",
        "minutes": 5,
        "body": "## Các bước\n\n1. Ấn chặt.\n<script>alert(1)</script>",
    }
    r = client.post("/courses/so-cuu-co-ban/edit/lessons/new", data={**lesson, "preview": "1"})
    assert r.status_code == 200
    assert "<ol>" in page(r) and "<script>alert(1)" not in page(r)
    r = client.post("/courses/so-cuu-co-ban/edit/lessons/new", data={**lesson, "save": "1"})
    assert r.status_code == 302
    r = client.post("/courses/so-cuu-co-ban/edit/files/quiz", data={"text": "## thiếu mã\n"})
    assert r.status_code == 400 and "câu hỏi cần mã cố định: {#ma-cau-hoi}" in page(r)
    trainer.locale = "en"  # every problem in the reader's language (issue 3, bad input)
    db.session.commit()
    r = client.post("/courses/so-cuu-co-ban/edit/files/quiz", data={"text": "## thiếu mã\n"})
    assert r.status_code == 400 and "question needs a permanent id: {#some-id}" in page(r)
    assert "cần mã cố định" not in page(r)
    trainer.locale = "vi"
    db.session.commit()
    client.post("/courses/so-cuu-co-ban/edit/files/quiz", data={"text": ""})
    r = client.post("/courses/so-cuu-co-ban/edit/publish")
    assert r.status_code == 302
    assert services.get_course("so-cuu-co-ban").current_version.number == 1
    assert client.get("/courses/so-cuu-co-ban/cam-mau").status_code == 200
    exported = client.get("/courses/so-cuu-co-ban/export")
    assert exported.mimetype == "application/zip"
    r = client.post(
        "/courses/so-cuu-co-ban/edit/import",
        data={"archive": (io.BytesIO(exported.data), "khoa.zip")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302


def test_settings_form_bad_input_is_400_with_messages(client, trainer):
    client.post("/courses/new", data={"title": "Khóa A", "slug": "khoa-a"})
    r = client.post("/courses/khoa-a/edit", data={"title": "", "minutes": "abc"})
    assert r.status_code == 400
    assert "Chọn ít nhất một nhóm người học." in page(r)


def test_new_course_with_bad_or_taken_slug(client, trainer):
    assert client.post("/courses/new", data={"title": "X", "slug": "Bad Slug"}).status_code == 400
    client.post("/courses/new", data={"title": "X", "slug": "x"})
    r = client.post("/courses/new", data={"title": "Y", "slug": "x"})
    assert r.status_code == 400 and "Đã có khóa học" in page(r)


def test_upload_refuses_svg_and_accepts_png(client, trainer):
    from tests.courses.sample import png_bytes

    client.post("/courses/new", data={"title": "Khóa A", "slug": "khoa-a"})
    r = client.post(
        "/courses/khoa-a/edit/media",
        data={"image": (io.BytesIO(b"<svg onload=alert(1)>"), "x.png")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400 and "không phải là ảnh" in page(r)
    r = client.post(
        "/courses/khoa-a/edit/media",
        data={"image": (io.BytesIO(png_bytes()), "Ảnh ao.png")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    assert "media/anh-ao.jpg" in page(client.get("/courses/khoa-a/edit"))


def test_bad_zip_import_lists_problems(client, trainer):
    r = client.post(
        "/courses/import",
        data={"archive": (io.BytesIO(b"nope"), "x.zip")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400 and "không phải là tệp zip" in page(r)


def test_a_drafts_images_are_its_editors_only_until_published(
    client, trainer, tree, make_user, login, db
):
    from portal.courses.models import CourseMedia
    from tests.courses.sample import png_bytes

    client.post("/courses/new", data={"title": "Khóa nháp", "slug": "khoa-nhap"})
    client.post(
        "/courses/khoa-nhap/edit/media",
        data={"image": (io.BytesIO(png_bytes()), "ao.png")},
        content_type="multipart/form-data",
    )
    item = db.session.scalars(db.select(CourseMedia)).one()
    url = f"/courses/media/{item.id}/{item.name.split('/')[-1]}"
    r = client.get(url)
    assert r.status_code == 200 and "public" not in r.headers["Cache-Control"]
    login(make_user("trainer", tree["other"]))
    assert client.get(url).status_code == 404
    with client.session_transaction() as sess:
        sess.clear()
    assert client.get(url).status_code == 404  # ids are sequential: a visitor could walk them
