import pytest

from portal.courses import publishing
from tests.courses.sample import write_course


@pytest.fixture
def publish(db, tmp_path):
    """Publish the sample course (with overrides) and return the Course."""

    def do(slug="duoi-nuoc", **overrides):
        write_course(tmp_path, slug=slug, **overrides)
        results = list(publishing.sync_content(tmp_path))
        db.session.commit()
        assert all(outcome != "failed" for _, outcome, _ in results), results
        from portal.courses.services import get_course

        return get_course(slug)

    return do
