import random
from datetime import UTC, datetime

import pytest

from portal.courses import publishing
from portal.courses.services import get_course
from tests.courses.sample import QUIZ, write_course

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def quiz_with(**settings):
    """The sample quiz's questions under other settings (pass_mark, max_attempts, ...)."""
    body = QUIZ.split("---\n", 2)[2]
    merged = {"pass_mark": 80, "questions_per_attempt": 2, "shuffle_options": True} | settings
    lines = [f"{k}: {str(v).lower() if isinstance(v, bool) else v}" for k, v in merged.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + body


@pytest.fixture
def publish(db, tmp_path):
    """Publish the sample course (quiz settings and files overridable); return the Course."""

    def do(slug="duoi-nuoc", quiz=None, **files):
        if quiz is not None:
            files["quiz.md"] = quiz_with(**quiz)
        write_course(tmp_path, slug=slug, **files)
        results = list(publishing.sync_content(tmp_path))
        db.session.commit()
        assert all(outcome != "failed" for _, outcome, _ in results), results
        return get_course(slug)

    return do


@pytest.fixture
def course(publish):
    return publish()


@pytest.fixture
def rng():
    return random.Random(7)
