"""`flask orgs rename|move|merge|close|tree` and the orgs part of `flask demo load`."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.orgs import demo, services
from portal.orgs.models import Unit, UnitLineage


def test_rename(runner, tree, reload):
    result = runner.invoke(args=["orgs", "rename", "99001", "Xã An Bình Mới"])
    assert result.exit_code == 0 and "renamed" in result.output
    assert reload(tree["commune"]).name == "Xã An Bình Mới"
    again = runner.invoke(args=["orgs", "rename", "99001", "Xã An Bình Mới"])
    assert again.exit_code == 0 and again.output.strip() == "unchanged"


def test_move(runner, tree, reload):
    result = runner.invoke(args=["orgs", "move", "99001-01", "99002"])
    assert result.exit_code == 0, result.stderr
    assert reload(tree["hamlet"]).parent_id == tree["other"].id
    refused = runner.invoke(args=["orgs", "move", "99002", "99001-01"])
    assert refused.exit_code == 1 and "Không thể chuyển" in refused.stderr


def test_merge_into_existing(runner, tree, make_user, db, reload):
    user = make_user("learner", tree["other_hamlet"])
    result = runner.invoke(args=["orgs", "merge", "99002-01", "--into", "99001-01"])
    assert result.exit_code == 0, result.stderr
    assert "merged 99002-01 into 99001-01" in result.output
    assert not reload(tree["other_hamlet"]).is_open
    assert db.session.get(User, user.id).unit_id == tree["hamlet"].id


def test_merge_into_a_new_unit(runner, tree, db):
    result = runner.invoke(
        args=["orgs", "merge", "99001", "99002", "--new-code", "99003", "--new-name", "Xã An Phú"]
    )
    assert result.exit_code == 0, result.stderr
    successor = services.get_unit_by_code("99003")
    assert successor.kind == "commune" and len(services.list_children(successor)) == 2
    assert (
        db.session.scalar(
            select(func.count()).select_from(UnitLineage).where(UnitLineage.event == "merge")
        )
        == 2
    )


def test_merge_needs_one_target(runner, tree, reload):
    for extra in ([], ["--into", "99001", "--new-code", "X", "--new-name", "X"]):
        result = runner.invoke(args=["orgs", "merge", "99002", *extra])
        assert result.exit_code == 1 and "--into" in result.stderr
    unknown = runner.invoke(args=["orgs", "merge", "99002", "--into", "nope"])
    assert unknown.exit_code == 1 and "“nope”" in unknown.stderr
    assert reload(tree["other"]).is_open


def test_close(runner, tree, reload):
    refused = runner.invoke(args=["orgs", "close", "99001"])
    assert refused.exit_code == 1 and "cấp dưới" in refused.stderr
    result = runner.invoke(args=["orgs", "close", "99001-01"])
    assert result.exit_code == 0
    assert not reload(tree["hamlet"]).is_open
    again = runner.invoke(args=["orgs", "close", "99001-01"])
    assert again.exit_code == 1 and "99001-01" in again.stderr


def test_tree_prints_the_open_subtree(runner, tree, make_unit):
    make_unit("Ấp 10", kind="hamlet", parent=tree["commune"], code="99001-10")
    services.close_unit(tree["other_hamlet"])
    services.db.session.commit()
    result = runner.invoke(args=["orgs", "tree", "99"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "99  Tỉnh Thử [province]",
        "  99001  Xã An Bình [commune]",
        "    99001-01  Ấp 1 [hamlet]",
        "    99001-10  Ấp 10 [hamlet]",
        "  99002  Xã Tân Phú [commune]",
    ]
    closed = runner.invoke(args=["orgs", "tree", "99002", "--closed"])
    assert "99002-01  Ấp 2 [hamlet] (closed" in closed.output


def test_unknown_code(runner, db):
    result = runner.invoke(args=["orgs", "tree", "75"])
    assert result.exit_code == 1 and "“75”" in result.stderr


def test_demo_loads_dong_nai_and_hamlets_once(db):
    said = []
    demo.load(said.append)
    db.session.commit()
    assert said == [
        "orgs: Tỉnh Đồng Nai: 96 units created, 0 updated, 0 unchanged; 6 demo hamlets added"
    ]
    count = db.session.scalar(select(func.count()).select_from(Unit))
    assert [u.name for u in services.list_hamlets(services.get_unit_by_code("26248").id)] == [
        "Ấp 1",
        "Ấp Bình Minh",
    ]
    assert services.get_unit_by_code("75-26068-01").kind == "residential_group"
    demo.load(said.append)
    db.session.commit()
    assert said[1].endswith("0 units created, 0 updated, 96 unchanged; 0 demo hamlets added")
    assert db.session.scalar(select(func.count()).select_from(Unit)) == count


def test_messages_print_outside_any_request(tmp_path):
    """The real command line has no request: Vietnamese messages must still print."""
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes(b"code,name,kind,parent_code\nA,\xcap B\xd7nh Minh,hamlet,99001\n")
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "PORTAL_SECRET_KEY": "x",
        "PORTAL_SIGNING_KEY": "x",
    }
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "orgs", "import", str(legacy)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert "không dùng bảng mã UTF-8" in result.stderr and "Traceback" not in result.stderr
