"""The training demo gives requirements, a session and a spread of statuses; re-running is safe."""

from sqlalchemy import func, select


def test_demo_load_twice(app, db):
    from portal.training.models import Requirement, TrainingSession

    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "sync"])
    assert result.exit_code == 0, result.output
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "demo training: 3 requirement(s) added" in first.output
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0 and "demo training: 0 requirement(s) added" in second.output
    assert db.session.scalar(select(func.count()).select_from(Requirement)) == 3
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == 1
    from portal.orgs.models import Unit
    from portal.training import compliance

    province = db.session.scalar(select(Unit).where(Unit.code == "75"))
    statuses = {p.status for p in compliance.person_statuses(province)}
    assert {"compliant", "overdue"} <= statuses
