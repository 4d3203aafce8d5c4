"""The benchmark seed builds a consistent province, and reports stay right on it."""

from sqlalchemy import func, select

from portal.quizzes.models import Attempt
from portal.seed import seed
from portal.training import compliance


def test_seed_small_province(app, db, tmp_path):
    from portal.courses import publishing
    from tests.courses.sample import write_course

    write_course(tmp_path)
    list(publishing.sync_content(tmp_path))
    summary = seed(200, attempts_per_learner=3)
    db.session.commit()
    assert summary["learners"] == 200 and summary["hamlets"] == 20
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 600
    from portal.orgs.models import Unit

    province = db.session.scalar(select(Unit).where(Unit.code == "SEED"))
    table, totals = compliance.summarise(province)
    assert sum(totals["duoi-nuoc"].values()) == 200
    assert (
        totals["duoi-nuoc"]["compliant"] + totals["duoi-nuoc"]["expiring"]
        == summary["certificates"]
    )
    result = app.test_cli_runner().invoke(args=["bench", "seed", "--scale", "10"])
    assert result.exit_code != 0 and "exists already" in result.output
