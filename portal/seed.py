"""`flask bench seed --scale N`: a synthetic province for benchmarks and scale tests.

N learners in hamlets of ten, a hundred hamlets to a commune, one requirement, course
statuses, certificates and submitted attempts, inserted in bulk. Names are synthetic; no
real person is represented.
"""

import random
from datetime import UTC, date, datetime, timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import insert, select, update

from portal.accounts.models import User
from portal.certificates import codes
from portal.certificates.models import Certificate
from portal.courses.models import Course, CourseStatus, CourseVersion
from portal.extensions import db
from portal.orgs.models import Unit
from portal.quizzes.models import Attempt
from portal.text import name_sort_text
from portal.training.models import Requirement, RequirementPosition

cli = AppGroup("bench", help="Benchmark data.")
PROVINCE_CODE = "SEED"
CHUNK = 5000
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Đức", "Quốc"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Hà", "Hùng", "Lan", "Mai", "Nam", "Phương", "Tâm", "Yến"]


def _bulk(model, rows):
    for i in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[i : i + CHUNK])


def _units(parent, kind, count, code_of):
    """Insert `count` children of `parent`; return them as (id, path, code)."""
    rows = [
        {
            "kind": kind,
            "name": f"{'Xã' if kind == 'commune' else 'Ấp'} thử {i + 1}",
            "name_folded": f"{'xa' if kind == 'commune' else 'ap'} thu {i + 1}",
            "code": code_of(i),
            "parent_id": parent[0],
            "path": "",
            "depth": parent[3] + 1,
            "official": False,
            "valid_from": date(2025, 7, 1),
        }
        for i in range(count)
    ]
    _bulk(Unit, rows)
    created = db.session.execute(
        select(Unit.id, Unit.code).where(Unit.parent_id == parent[0])
    ).all()
    db.session.execute(
        update(Unit),
        [{"id": uid, "path": f"{parent[1]}{uid}/"} for uid, _ in created],
    )
    return [(uid, f"{parent[1]}{uid}/", code, parent[3] + 1) for uid, code in created]


def seed(scale, attempts_per_learner=10, rng=None):
    """Create the synthetic province; return a summary dict."""
    rng = rng or random.Random(2026)
    if db.session.scalar(select(Unit.id).where(Unit.code == PROVINCE_CODE)) is not None:
        raise click.ClickException("the bench province exists already (code SEED)")
    course = db.session.execute(
        select(Course, CourseVersion)
        .join(CourseVersion, Course.current_version_id == CourseVersion.id)
        .where(CourseVersion.certificate.is_(True))
        .order_by(Course.slug)
    ).all()
    # A staff course: requirements are for staff (parents have none).
    course = next((row for row in course if "parent" not in row[1].audiences), None)
    if course is None:
        raise click.ClickException("publish a certified course first (flask content sync)")
    course, version = course
    province = Unit(
        kind="province",
        name="Tỉnh thử tải",
        name_folded="tinh thu tai",
        code=PROVINCE_CODE,
        path="",
        depth=0,
    )
    db.session.add(province)
    db.session.flush()
    province.path = f"/{province.id}/"
    db.session.flush()
    hamlet_count = max(1, scale // 10)
    commune_count = max(1, hamlet_count // 100)
    communes = _units(
        (province.id, province.path, PROVINCE_CODE, 0),
        "commune",
        commune_count,
        lambda i: f"SEED-{i + 1:04d}",
    )
    hamlets = []
    per_commune = -(-hamlet_count // commune_count)
    for commune in communes:
        hamlets += _units(
            commune, "hamlet", per_commune, lambda i, c=commune: f"{c[2]}-{i + 1:03d}"
        )
    now = datetime.now(UTC)
    joined = now - timedelta(days=400)
    users = []
    for n in range(scale):
        hamlet = hamlets[n % len(hamlets)]
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        users.append(
            {
                "full_name": name,
                "name_folded": name.lower(),
                "name_sort": name_sort_text(name),
                "role": "learner",
                "position": "collaborator" if n % 5 else "commune_officer",
                "unit_id": hamlet[0],
                "active": True,
                "session_version": 1,
                "joined_unit_at": joined,
                "created_at": joined,
                "must_change_password": False,
                "public_verification": False,
            }
        )
    _bulk(User, users)
    user_rows = db.session.execute(
        select(User.id, User.unit_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(Unit.path.like(province.path + "%"))
    ).all()
    req = Requirement(
        course_slug=course.slug,
        unit_id=province.id,
        first_due_on=date.today() - timedelta(days=30),
        positions=[
            RequirementPosition(position="collaborator"),
            RequirementPosition(position="commune_officer"),
        ],
    )
    db.session.add(req)
    statuses, certificates, attempts = [], [], []
    index = db.session.scalar(select(db.func.coalesce(db.func.max(Certificate.status_index), -1)))
    lessons = len(version.lessons)
    for user_id, unit_id in user_rows:
        roll = rng.random()
        if roll < 0.75:
            done = lessons if roll < 0.55 else rng.randrange(1, lessons + 1)
            completed = now - timedelta(days=rng.randrange(1, 360)) if roll < 0.5 else None
            statuses.append(
                {
                    "user_id": user_id,
                    "course_slug": course.slug,
                    "lessons_done": done,
                    "lessons_total": lessons,
                    "started_at": joined,
                    "cycle": 1,
                    "cycle_started_at": joined,
                    "completed_at": completed,
                    "updated_at": now,
                    "best_score": 85 if completed else None,
                }
            )
            if completed:
                index += 1
                certificates.append(
                    {
                        "code": codes.new_code(),
                        "status_index": index,
                        "user_id": user_id,
                        "course_slug": course.slug,
                        "cycle": 1,
                        "audience": "staff",
                        "holder_name": "Người thử",
                        "unit_id": unit_id,
                        "unit_name": "Ấp thử",
                        "unit_path": "",
                        "unit_trail": "",
                        "issuer_name": "Tỉnh thử tải",
                        "course_title": version.title,
                        "course_version": version.number,
                        "score": 85,
                        "issued_at": completed,
                        "expires_at": completed + timedelta(days=365),
                    }
                )
        for k in range(attempts_per_learner):
            score = rng.randrange(30, 101)
            started = now - timedelta(days=rng.randrange(1, 360))
            attempts.append(
                {
                    "user_id": user_id,
                    "course_slug": course.slug,
                    "version_id": version.id,
                    "kind": "pre" if k == 0 else "final",
                    "cycle": 1,
                    "state": "submitted",
                    "questions": [],
                    "pass_mark": 80,
                    "time_limit_minutes": 0,
                    "must_pass": [],
                    "answers": {},
                    "score": score,
                    "passed": score >= 80,
                    "started_at": started,
                    "submitted_at": started,
                }
            )
        if len(attempts) >= CHUNK * 4:
            _bulk(Attempt, attempts)
            attempts = []
    _bulk(CourseStatus, statuses)
    _bulk(Certificate, certificates)
    _bulk(Attempt, attempts)
    db.session.flush()
    return {
        "province": PROVINCE_CODE,
        "communes": len(communes),
        "hamlets": len(hamlets),
        "learners": len(user_rows),
        "certificates": len(certificates),
        "attempts": len(user_rows) * attempts_per_learner,
        "course": course.slug,
    }


@cli.command("seed")
@click.option("--scale", default=1000, show_default=True, help="Number of learners.")
@click.option("--attempts-per-learner", default=10, show_default=True)
def seed_command(scale, attempts_per_learner):
    """Create a synthetic province of SCALE learners (for benchmarks only)."""
    summary = seed(scale, attempts_per_learner)
    db.session.commit()
    click.echo(", ".join(f"{k}: {v}" for k, v in summary.items()))
