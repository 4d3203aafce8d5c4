import tempfile
from pathlib import Path

from portal.courses import publishing
from portal.extensions import db
from tests.courses.sample import write_course
from tests.test_access_matrix import ALL, SIGNED_IN


def extend(world):
    root = Path(tempfile.mkdtemp())
    write_course(root)
    list(publishing.sync_content(root))
    db.session.commit()


RULES = [
    ("courses.catalog", "GET", "/courses/", ALL(200)),
    ("courses.course", "GET", "/courses/duoi-nuoc/", ALL(200)),
    ("courses.lesson", "GET", "/courses/duoi-nuoc/vi-sao", ALL(200)),
    ("courses.complete", "POST", "/courses/duoi-nuoc/vi-sao/done", SIGNED_IN(302)),
    ("courses.print_view", "GET", "/courses/duoi-nuoc/print", ALL(200)),
    ("courses.job_aid", "GET", "/courses/duoi-nuoc/job-aid", ALL(200)),
    ("courses.media", "GET", "/courses/media/1/ao.png", ALL(200)),
]
