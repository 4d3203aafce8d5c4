"""The unit tree: creating, reading, renaming, moving, merging and closing units."""

from datetime import date

import pytest
from sqlalchemy import insert, select, text, update

from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.orgs import services
from portal.orgs.models import Unit, UnitLineage
from portal.orgs.services import UnitError


def _events(db, action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _lineage(db, event):
    return db.session.scalars(select(UnitLineage).where(UnitLineage.event == event)).all()


# Creating and reading


def test_create_unit_sets_path_depth_and_is_audited(db):
    province = services.create_unit("Tỉnh Đồng Nai", "province", "75")
    commune = services.create_unit("Xã Trảng Bom", "commune", "26248", province)
    hamlet = services.create_unit("  Ấp 1 ", "hamlet", "75-26248-01", commune)
    db.session.commit()
    assert province.path == f"/{province.id}/" and province.depth == 0
    assert commune.path == f"/{province.id}/{commune.id}/" and commune.depth == 1
    assert hamlet.path == f"{commune.path}{hamlet.id}/" and hamlet.depth == 2
    assert hamlet.name == "Ấp 1" and hamlet.name_folded == "ap 1"
    assert len(_events(db, "unit.created")) == 3


def test_the_tree_has_any_depth(db):
    parent = None
    for level in range(12):
        parent = services.create_unit(f"Cấp {level}", "hamlet", f"L{level}", parent)
    assert parent.depth == 11 and len(parent.ancestor_ids()) == 12
    assert [u.code for u in services.list_ancestors(parent)] == [f"L{i}" for i in range(11)]


@pytest.mark.parametrize(
    "name, kind, code, field",
    [
        ("", "hamlet", "X1", "name"),
        ("Ấp", "village", "X1", "kind"),
        ("Ấp", "hamlet", "", "code"),
        ("Ấp", "hamlet", "mã có dấu", "code"),
        ("Ấp", "hamlet", "x" * 41, "code"),
    ],
)
def test_create_unit_refuses_bad_input(db, name, kind, code, field):
    with pytest.raises(UnitError) as caught:
        services.create_unit(name, kind, code)
    assert caught.value.field == field


def test_codes_are_unique_among_open_units_only(db, tree):
    with pytest.raises(UnitError, match="99001"):
        services.create_unit("Xã khác", "commune", "99001", tree["province"])
    services.close_unit(tree["other_hamlet"])
    again = services.create_unit("Ấp 2 mới", "hamlet", "99002-01", tree["other"])
    assert services.get_unit_by_code("99002-01") == again


def test_a_code_taken_meanwhile_is_refused_by_the_database(db, tree, monkeypatch):
    monkeypatch.setattr(services, "get_unit_by_code", lambda code: None)  # lost the race
    with pytest.raises(UnitError, match="vừa được dùng") as caught:
        services.create_unit("Xã khác", "commune", "99001", tree["province"])
    assert caught.value.field == "code"
    db.session.commit()  # the transaction is still usable
    assert len(db.session.scalars(select(Unit).where(Unit.code == "99001")).all()) == 1


def test_create_under_a_closed_unit_is_refused(db, tree):
    services.close_unit(tree["other_hamlet"])
    with pytest.raises(UnitError, match="giải thể"):
        services.create_unit("Tổ 1", "residential_group", "X-1", tree["other_hamlet"])


def test_get_unit_by_code_sees_open_units_only(db, tree):
    assert services.get_unit_by_code(" 99001 ") == tree["commune"]
    services.close_unit(tree["hamlet"])
    assert services.get_unit_by_code("99001-01") is None
    assert services.get_unit_by_code("") is None
    with pytest.raises(UnitError) as caught:
        services.require_unit("nope", "parent_code")
    assert caught.value.field == "parent_code"


def test_list_children_and_roots_sort_names_naturally(db, tree, make_unit):
    for name in ("Ấp 10", "Ấp 2", "Ấp Bình Minh"):
        make_unit(name, kind="hamlet", parent=tree["commune"])
    names = [u.name for u in services.list_children(tree["commune"])]
    assert names == ["Ấp 1", "Ấp 2", "Ấp 10", "Ấp Bình Minh"]
    assert services.list_roots() == [tree["province"]]


def test_closed_units_are_listed_on_request(db, tree):
    services.close_unit(tree["hamlet"])
    assert services.list_children(tree["commune"]) == []
    assert services.list_children(tree["commune"], include_closed=True) == [tree["hamlet"]]


@pytest.mark.parametrize("q", ["dong nai", "Đồng Nai", "ĐỒNG NAI", "dong   NAI", "nai dong"])
def test_search_ignores_case_and_diacritics(db, make_unit, q):
    province = make_unit("Tỉnh Đồng Nai", kind="province", code="75")
    make_unit("Tỉnh Đồng Tháp", kind="province", code="82")
    assert services.search_units(q) == [province]


def test_search_by_code_and_leaves_out_closed_units(db, tree):
    assert services.search_units("99001-01") == [tree["hamlet"]]
    services.close_unit(tree["hamlet"])
    assert services.search_units("ấp 1") == []
    assert services.search_units("ấp 1", include_closed=True) == [tree["hamlet"]]
    assert services.search_units("  ") == []
    assert services.search_units("100%") == []


def test_trails_name_the_units_above(db, tree):
    trails = services.trails([tree["hamlet"], tree["province"]])
    assert trails == {tree["hamlet"].id: "Tỉnh Thử › Xã An Bình", tree["province"].id: ""}


def test_picker_lists_communes_and_hamlets_by_name(db, tree, make_unit):
    elsewhere = make_unit("Tỉnh Khác", kind="province", code="98")
    make_unit("Phường Bến Gỗ", kind="ward", parent=elsewhere)
    make_unit("Ấp 10", kind="hamlet", parent=tree["commune"])
    services.close_unit(services.create_unit("Ấp cũ", "hamlet", "OLD", tree["commune"]))
    assert [u.name for u in services.list_communes("99")] == ["Xã An Bình", "Xã Tân Phú"]
    assert [u.name for u in services.list_communes()] == [
        "Phường Bến Gỗ",
        "Xã An Bình",
        "Xã Tân Phú",
    ]
    assert services.list_communes("00") == []
    assert [u.name for u in services.list_hamlets(tree["commune"].id)] == ["Ấp 1", "Ấp 10"]


# Subtrees


def _bulk_tree(db, communes=40, hamlets=49):
    """A province of about 2,000 units, inserted in a few set-based statements."""
    db.session.execute(
        insert(Unit),
        [
            {
                "name": "Tỉnh Lớn",
                "name_folded": "tinh lon",
                "kind": "province",
                "code": "B",
                "path": "",
                "depth": 0,
            }
        ],
    )
    root = db.session.scalar(select(Unit.id).where(Unit.code == "B"))
    db.session.execute(
        insert(Unit),
        [
            {
                "name": f"Xã {c}",
                "name_folded": f"xa {c}",
                "kind": "commune",
                "code": f"B{c}",
                "parent_id": root,
                "path": "",
                "depth": 1,
            }
            for c in range(communes)
        ],
    )
    commune_ids = db.session.execute(select(Unit.code, Unit.id).where(Unit.parent_id == root)).all()
    db.session.execute(
        insert(Unit),
        [
            {
                "name": f"Ấp {h}",
                "name_folded": f"ap {h}",
                "kind": "hamlet",
                "code": f"{code}-{h}",
                "parent_id": cid,
                "path": "",
                "depth": 2,
            }
            for code, cid in commune_ids
            for h in range(hamlets)
        ],
    )
    # Paths, level by level: the parent's path and the unit's own id.
    parent = db.aliased(Unit)
    own = db.func.cast(Unit.id, db.String)
    db.session.execute(update(Unit).where(Unit.id == root).values(path="/" + own + "/"))
    for depth in (1, 2):
        parent_path = select(parent.path).where(parent.id == Unit.parent_id).scalar_subquery()
        db.session.execute(
            update(Unit)
            .where(Unit.depth == depth)
            .values(path=parent_path + own + "/")
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return db.session.get(Unit, root)


def test_subtree_of_a_big_province_is_one_indexed_prefix_scan(db):
    province = _bulk_tree(db)
    assert db.session.scalar(select(db.func.count()).select_from(Unit)) == 1 + 40 + 40 * 49
    commune = services.get_unit_by_code("B7")
    subtree = services.list_subtree(commune)
    assert {u.code for u in subtree} == {"B7"} | {f"B7-{h}" for h in range(49)}
    assert all(u.path.startswith(commune.path) for u in subtree)
    assert len(services.list_subtree(province)) == 1 + 40 + 40 * 49
    query = select(Unit.id).where(Unit.path.like(commune.path + "%"))
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    if db.engine.dialect.name == "sqlite":
        plan = db.session.execute(text("EXPLAIN QUERY PLAN " + sql)).all()
        assert any("ix_units_path" in str(row) for row in plan), plan
    else:
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = db.session.execute(text("EXPLAIN " + sql)).scalars().all()
        assert any("ix_units_path" in line for line in plan), plan


# Rename


def test_rename_keeps_the_unit_and_records_the_old_name(db, tree):
    commune = tree["commune"]
    assert services.rename_unit(commune, "Phường An Bình") is True
    db.session.commit()
    assert commune.name == "Phường An Bình" and commune.name_folded == "phuong an binh"
    assert commune.is_open
    (step,) = _lineage(db, "rename")
    assert (step.predecessor_id, step.successor_id, step.note) == (
        commune.id,
        commune.id,
        "Xã An Bình",
    )
    (event,) = _events(db, "unit.renamed")
    assert event.detail == {"old": "Xã An Bình", "new": "Phường An Bình"}
    assert services.rename_unit(commune, "Phường An Bình") is False
    assert len(_lineage(db, "rename")) == 1


def test_rename_refuses_blank_names_and_closed_units(db, tree):
    with pytest.raises(UnitError):
        services.rename_unit(tree["commune"], " ")
    services.close_unit(tree["hamlet"])
    with pytest.raises(UnitError, match="giải thể"):
        services.rename_unit(tree["hamlet"], "Ấp Một")


# Move


def test_move_rewrites_the_whole_subtree(db, tree, make_unit, reload):
    group = make_unit("Tổ 1", kind="residential_group", parent=tree["hamlet"])
    assert services.move_unit(tree["hamlet"], tree["other"]) is True
    db.session.commit()
    hamlet, group = reload(tree["hamlet"]), reload(group)
    other = tree["other"]
    assert hamlet.parent_id == other.id
    assert hamlet.path == f"{other.path}{hamlet.id}/" and hamlet.depth == 2
    assert group.path == f"{hamlet.path}{group.id}/" and group.depth == 3
    assert services.list_children(reload(tree["commune"])) == []
    (step,) = _lineage(db, "move")
    assert step.note == "99001 → 99002"
    assert len(_events(db, "unit.moved")) == 1
    assert services.move_unit(hamlet, other) is False


def test_move_up_a_level_changes_depths(db, tree, make_unit, reload):
    group = make_unit("Tổ 1", kind="residential_group", parent=tree["hamlet"])
    services.move_unit(group, tree["province"])
    db.session.commit()
    group = reload(group)
    assert group.depth == 1 and group.path == f"{tree['province'].path}{group.id}/"


def test_move_into_own_subtree_is_refused(db, tree):
    for target in (tree["commune"], tree["hamlet"]):
        with pytest.raises(UnitError) as caught:
            services.move_unit(tree["commune"], target)
        assert caught.value.field == "parent_code"


# Merge


def test_merge_into_an_existing_unit(db, tree, make_user, reload):
    received = []

    def receiver(sender, predecessors, successor):
        received.append((sender, predecessors, successor))

    services.units_merged.connect(receiver)
    try:
        user = make_user("learner", tree["other"])
        joined = user.joined_unit_at
        successor = services.merge_units([tree["other"]], tree["commune"])
        db.session.commit()
    finally:
        services.units_merged.disconnect(receiver)
    other, moved = reload(tree["other"]), reload(tree["other_hamlet"])
    assert successor == tree["commune"]
    assert other.valid_to == date.today() and not other.is_open
    assert moved.parent_id == tree["commune"].id and moved.is_open
    assert moved.path.startswith(tree["commune"].path)
    user = db.session.get(User, user.id)
    assert user.unit_id == tree["commune"].id and user.joined_unit_at == joined
    (step,) = _lineage(db, "merge")
    assert (step.predecessor_id, step.successor_id) == (other.id, tree["commune"].id)
    assert received == [(None, [other.id], tree["commune"].id)]
    assert _events(db, "users.moved")[0].detail["count"] == 1


def test_merge_several_into_a_new_unit(db, tree, make_user, reload):
    people = [make_user("learner", tree["commune"]), make_user("trainer", tree["other"])]
    successor = services.merge_units(
        [tree["commune"], tree["other"]], new_code="99003", new_name="Xã An Phú"
    )
    db.session.commit()
    assert (successor.kind, successor.parent_id, successor.depth) == (
        "commune",
        tree["province"].id,
        1,
    )
    assert {u.code for u in services.list_children(successor)} == {"99001-01", "99002-01"}
    assert {db.session.get(User, p.id).unit_id for p in people} == {successor.id}
    assert len(_lineage(db, "merge")) == 2
    assert not reload(tree["commune"]).is_open and not reload(tree["other"]).is_open


def test_merge_may_reuse_a_predecessors_code(db, tree):
    successor = services.merge_units(
        [tree["commune"], tree["other"]], new_code="99001", new_name="Xã An Bình mới"
    )
    assert services.get_unit_by_code("99001") == successor


@pytest.mark.parametrize(
    "preds, successor, extra, match",
    [
        (["other"], "other", {}, "không được"),
        (["commune"], "hamlet", {}, "không được"),
        (["commune", "hamlet"], "other", {}, "nằm trong"),
        (["commune", "other_hamlet"], None, {"new_code": "N", "new_name": "N"}, "cùng cấp"),
        (["commune"], None, {}, "mã và tên"),
        ([], "other", {}, "ít nhất"),
    ],
)
def test_merge_refuses_bad_shapes(db, tree, preds, successor, extra, match):
    with pytest.raises(UnitError, match=match):
        services.merge_units([tree[p] for p in preds], tree.get(successor), **extra)


def test_merge_of_a_closed_unit_is_refused(db, tree):
    services.close_unit(tree["other_hamlet"])
    with pytest.raises(UnitError, match="giải thể"):
        services.merge_units([tree["other_hamlet"]], tree["hamlet"])


# Close


def test_close_never_deletes(db, tree, reload):
    services.close_unit(tree["hamlet"])
    db.session.commit()
    hamlet = reload(tree["hamlet"])
    assert hamlet is not None and hamlet.valid_to == date.today()
    assert _events(db, "unit.closed")[0].object_id == str(hamlet.id)


def test_close_refuses_units_with_children_or_people(db, tree, make_user):
    with pytest.raises(UnitError, match="cấp dưới"):
        services.close_unit(tree["commune"])
    make_user("learner", tree["hamlet"])
    with pytest.raises(UnitError, match="người dùng"):
        services.close_unit(tree["hamlet"])


def test_lineage_and_user_count_of_a_unit(db, tree, make_user):
    make_user("learner", tree["other"])
    services.rename_unit(tree["commune"], "Xã An Bình Mới")
    services.merge_units([tree["other"]], tree["commune"])
    db.session.commit()
    steps = services.list_lineage(tree["commune"])
    assert [s.event for s in steps] == ["rename", "merge"]
    assert [s.event for s in services.list_lineage(tree["other"])] == ["merge"]
    from portal.accounts.services import count_users_in

    assert count_users_in(tree["commune"]) == 1
