"""`flask users ...` and the accounts part of `flask demo load`."""

from datetime import timedelta

import pytest

from portal.accounts import passwords, services
from portal.accounts.models import User
from portal.database import utcnow


@pytest.fixture
def runner(app):
    return app.test_cli_runner(mix_stderr=False) if _mixes() else app.test_cli_runner()


def _mixes():
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def _users(db):
    db.session.expire_all()
    return db.session.query(User).order_by(User.id).all()


def test_create_makes_a_user_and_refuses_an_existing_login(runner, tree, db):
    args = [
        "users",
        "create",
        "--role",
        "trainer",
        "--login",
        "+84 912 345 678",
        "--password",
        "một câu dài dễ nhớ",
        "--name",
        "Trần Thị Hương",
        "--unit",
        "99001",
        "--position",
        "commune_officer",
    ]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    (user,) = _users(db)
    assert (user.phone, user.role, user.unit_id) == ("0912345678", "trainer", tree["commune"].id)
    assert passwords.check(user.password_hash, "một câu dài dễ nhớ")
    assert not user.must_change_password
    again = runner.invoke(args=[*args[:-4], "--name", "Other"])
    assert again.exit_code == 1 and "exists" in again.stderr
    assert [u.full_name for u in _users(db)] == ["Trần Thị Hương"]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--unit", "nope"], "mã"),
        (["--password", "matkhau123"], "phổ biến"),
        (["--login", "12"], "điện thoại"),
    ],
)
def test_create_reports_bad_input_and_writes_nothing(runner, tree, db, extra, message):
    args = [
        "users",
        "create",
        "--role",
        "learner",
        "--login",
        "0912345678",
        "--password",
        "một câu dài dễ nhớ",
        "--name",
        "A",
        "--unit",
        "99001",
    ]
    opts = dict(zip(args[2::2], args[3::2], strict=True))
    opts.update(dict(zip(extra[::2], extra[1::2], strict=True)))
    result = runner.invoke(args=["users", "create", *[x for kv in opts.items() for x in kv]])
    assert result.exit_code == 1 and message in result.stderr
    assert _users(db) == []


def test_bootstrap_admin_runs_once(runner, db):
    first = runner.invoke(args=["users", "bootstrap-admin"])
    assert first.exit_code == 0
    (admin,) = _users(db)
    assert (admin.email, admin.role, admin.must_change_password) == (
        "admin@localhost",
        "admin",
        True,
    )
    password = first.stdout.split("password:")[1].split()[0]
    assert passwords.check(admin.password_hash, password)
    second = runner.invoke(args=["users", "bootstrap-admin"])
    assert second.exit_code == 0 and "password" not in second.stdout
    assert len(_users(db)) == 1


def test_import_dry_run_writes_nothing_and_the_real_run_prints_passwords(
    runner, tree, db, tmp_path
):
    path = tmp_path / "staff.csv"
    path.write_text(
        "full_name,phone,email,unit_code,position,role\n"
        "Hoa,0912345678,,,commune_officer,\nBình,,binh@example.org,,partner,\n",
        encoding="utf-8-sig",
    )
    dry = runner.invoke(args=["users", "import", str(path), "--dry-run", "--unit", "99001"])
    assert dry.exit_code == 0 and "new 2" in dry.stdout and _users(db) == []
    real = runner.invoke(args=["users", "import", str(path), "--unit", "99001"])
    assert real.exit_code == 0, real.stderr
    users = _users(db)
    assert [u.unit_id for u in users] == [tree["commune"].id] * 2
    lines = real.stdout.splitlines()
    for user in users:
        (line,) = [ln for ln in lines if ln.startswith(user.login)]
        assert passwords.check(user.password_hash, line.split()[-1])
    again = runner.invoke(args=["users", "import", str(path), "--unit", "99001"])
    assert again.exit_code == 0 and "unchanged 2" in again.stdout
    assert "temporary password" not in again.stdout


def test_import_errors_go_to_stderr_as_row_lines(runner, tree, db, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(
        "full_name,phone,email,unit_code,position,role\n"
        "Hoa,0912345678,,99001,commune_officer,\nSai,123,,99001,partner,\n"
    )
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert "row 3: " in result.stderr and "row 2" not in result.stderr
    assert _users(db) == []
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes(b"full_name,phone\nNguy\xd6n,0912345678\n")
    result = runner.invoke(args=["users", "import", str(legacy)])
    assert result.exit_code == 1 and "UTF-8" in result.stderr


def test_purge_expired_erases_old_deactivated_staff(runner, make_user, tree, db, app):
    old = make_user("learner", tree["commune"], active=False)
    old.deactivated_at = utcnow() - timedelta(days=365 * app.config["STAFF_RETENTION_YEARS"] + 1)
    recent = make_user("learner", tree["commune"], active=False, deactivated_at=utcnow())
    db.session.commit()
    result = runner.invoke(args=["users", "purge-expired"])
    assert result.exit_code == 0 and "erased 1" in result.stdout
    db.session.expire_all()
    assert old.erased_at is not None and old.phone is None
    assert recent.erased_at is None and recent.phone


def test_demo_load_adds_one_user_per_role_and_position_once(runner, make_unit, db):
    from portal.accounts import demo

    lines = []
    demo.load(lines.append)
    assert "not loaded" in lines[0] and _users(db) == []
    province = make_unit("Đồng Nai", kind="province", code="75")
    commune = make_unit("Xã Phú Lý", parent=province, code="26734")
    make_unit("Ấp 1", kind="hamlet", parent=commune, code="75-26734-01")
    lines.clear()
    demo.load(lines.append)
    db.session.commit()
    users = _users(db)
    assert {u.role for u in users} == {"admin", "manager", "trainer", "learner"}
    assert {u.position for u in users} >= {
        "commune_officer",
        "commune_leader",
        "collaborator",
        "partner",
        "parent",
    }
    assert len(lines) == len(users)
    for user in users:
        (line,) = [ln for ln in lines if user.login in ln]
        assert passwords.check(user.password_hash, line.split()[-1])
        assert not user.must_change_password
    manager = next(u for u in users if u.role == "manager")
    assert manager.unit == province
    lines.clear()
    demo.load(lines.append)
    assert len(_users(db)) == len(users) and "password" not in " ".join(lines)
    assert services.get_user_by_login("0900000001").position == "parent"
