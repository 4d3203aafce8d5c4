"""Demo users: one per role and position in the Đồng Nai demo units (idempotent)."""

from sqlalchemy import select

from portal.accounts import management, passwords, services
from portal.extensions import db
from portal.orgs import services as units
from portal.orgs.models import Unit

PROVINCE_CODE = "75"  # Đồng Nai, loaded by the orgs demo


def _demo_people(province, commune, hamlet):
    # role, unit, position, login, name
    return [
        ("admin", None, None, "quantri.demo@example.org", "Đỗ Minh Quản Trị"),
        ("manager", province, None, "quanly.demo@example.org", "Lê Văn Giám"),
        ("trainer", commune, "commune_officer", "giangvien.demo@example.org", "Trần Thị Hương"),
        ("learner", commune, "commune_officer", "canbo.demo@example.org", "Nguyễn Văn An"),
        ("learner", commune, "commune_leader", "lanhdao.demo@example.org", "Phạm Thị Bình"),
        ("learner", hamlet, "collaborator", "ctv.demo@example.org", "Hoàng Thị Cúc"),
        ("learner", commune, "partner", "doitac.demo@example.org", "Võ Văn Dũng"),
        ("learner", hamlet, "parent", "0900000001", "Đặng Thị Lan"),
    ]


def load(echo):
    province = units.get_unit_by_code(PROVINCE_CODE)
    hamlet = db.session.scalars(
        select(Unit)
        .where(
            Unit.code.like(PROVINCE_CODE + "-%"),
            Unit.kind.in_(units.HAMLET_KINDS),
            Unit.valid_to.is_(None),
        )
        .order_by(Unit.kind != "hamlet", Unit.code)  # a rural hamlet if there is one
    ).first()
    if province is None or hamlet is None:
        echo("accounts: the Đồng Nai demo units are not loaded; no demo users added")
        return
    commune = units.get_unit(hamlet.parent_id)
    created = []
    for role, unit, position, login, name in _demo_people(province, commune, hamlet):
        if services.get_user_by_login(login) is not None:
            continue
        user, _temporary = management.create_user(
            None,
            full_name=name,
            login=login,
            unit_code=unit.code if unit else None,
            position=position,
            role=role,
        )
        password = passwords.temporary_password()
        services.set_password(user, password)  # the demo should not ask for a new one
        created.append((user, password))
    for user, password in created:
        echo(f"accounts: demo {user.role:<8} {user.login:<28} password {password}")
    if not created:
        echo("accounts: demo users exist already; nothing changed")
