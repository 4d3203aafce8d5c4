import tempfile
from pathlib import Path

from portal.courses import authoring, publishing
from portal.extensions import db
from tests.courses.sample import write_course
from tests.test_access_matrix import ALL, SIGNED_IN

AUTHORS = dict(anon=302, learner=403, trainer=200, manager=403, admin=200)


def AUTHORS_DO(code, trainer=None):  # noqa: N802
    return dict(anon=302, learner=403, trainer=trainer or code, manager=403, admin=code)


def extend(world):
    root = Path(tempfile.mkdtemp())
    write_course(root)
    list(publishing.sync_content(root))
    for slug, trainer_unit in (("bai-xa", "commune"), ("bai-khac", "other")):
        course = authoring.create_course(world["trainer"], f"Bài {slug}", slug)
        course.owner_unit_id = world[trainer_unit].id
        authoring.save_lesson(course, "mot", "Một", 5, "Nội dung.\n")
    db.session.commit()


RULES = [
    ("courses.catalog", "GET", "/courses/", ALL(200)),
    ("courses.course", "GET", "/courses/duoi-nuoc/", ALL(200)),
    ("courses.lesson", "GET", "/courses/duoi-nuoc/vi-sao", ALL(200)),
    ("courses.complete", "POST", "/courses/duoi-nuoc/vi-sao/done", SIGNED_IN(302)),
    ("courses.print_view", "GET", "/courses/duoi-nuoc/print", ALL(200)),
    ("courses.job_aid", "GET", "/courses/duoi-nuoc/job-aid", ALL(200)),
    ("courses.media", "GET", "/courses/media/1/ao.png", ALL(200)),
    ("courses.manage", "GET", "/courses/manage", AUTHORS),
    ("courses.new", "GET", "/courses/new", AUTHORS),
    ("courses.import_course", "POST", "/courses/import", AUTHORS_DO(302)),
    ("courses.edit", "GET", "/courses/bai-xa/edit", AUTHORS),
    ("courses.edit", "GET", "/courses/bai-khac/edit", AUTHORS_DO(200, trainer=404)),
    ("courses.edit", "GET", "/courses/duoi-nuoc/edit", AUTHORS_DO(404)),  # bundled: read-only
    ("courses.edit_lesson", "GET", "/courses/bai-xa/edit/lessons/mot", AUTHORS),
    (
        "courses.edit_lesson",
        "GET",
        "/courses/bai-khac/edit/lessons/mot",
        AUTHORS_DO(200, trainer=404),
    ),
    ("courses.move_lesson", "POST", "/courses/bai-xa/edit/lessons/mot/move", AUTHORS_DO(302)),
    (
        "courses.delete_lesson",
        "POST",
        "/courses/bai-khac/edit/lessons/mot/delete",
        AUTHORS_DO(302, trainer=404),
    ),
    ("courses.edit_file", "GET", "/courses/bai-xa/edit/files/quiz", AUTHORS),
    ("courses.upload_media", "POST", "/courses/bai-xa/edit/media", AUTHORS_DO(400)),
    ("courses.publish", "POST", "/courses/bai-khac/edit/publish", AUTHORS_DO(302, trainer=404)),
    ("courses.import_into", "POST", "/courses/bai-xa/edit/import", AUTHORS_DO(302)),
    ("courses.copy", "POST", "/courses/duoi-nuoc/copy", AUTHORS_DO(302)),
    # Another unit's web course is no more copyable than exportable: the copy holds its quiz
    # answers.
    ("courses.copy", "POST", "/courses/bai-khac/copy", AUTHORS_DO(302, trainer=404)),
    ("courses.archive", "POST", "/courses/bai-khac/archive", AUTHORS_DO(302, trainer=404)),
    ("courses.export", "GET", "/courses/duoi-nuoc/export", AUTHORS),
    ("courses.export", "GET", "/courses/bai-khac/export", AUTHORS_DO(200, trainer=404)),
]
