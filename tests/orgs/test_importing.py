"""`flask orgs import FILE.csv`: local units from a UTF-8 CSV, all or nothing."""

import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.orgs import importing, services
from portal.orgs.models import Unit

TEMPLATE = Path(__file__).resolve().parents[2] / "docs" / "templates" / "orgs-import.csv"
GOOD = (
    "code,name,kind,parent_code\n"
    "99001-02,Ấp Bình Minh,hamlet,99001\n"
    "99002-02,Tổ dân phố 3,Tổ dân phố,99002\n"
    "99-H1,Huyện Cũ,district_legacy,99\n"
)


def _cp1258(text):
    """Windows-1258: letters with their own marks precomposed, tone marks combining."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in unicodedata.normalize("NFD", text):
        if ch in tones or not out:
            out.append(ch)
        else:
            out.append(ch) if not unicodedata.combining(ch) else out.append(
                unicodedata.normalize("NFC", out.pop() + ch)
            )
    return "".join(out).encode("cp1258")


@pytest.fixture
def csv_file(tmp_path):
    def write(content, name="units.csv"):
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return str(path)

    return write


def _count(db):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Unit))


def test_good_file_adds_units_under_their_parents(runner, tree, db, csv_file):
    result = runner.invoke(args=["orgs", "import", csv_file(GOOD)])
    assert result.exit_code == 0, result.stderr
    assert result.output.strip() == "created 3, unchanged 0"
    hamlet = services.get_unit_by_code("99001-02")
    assert (hamlet.name, hamlet.kind, hamlet.parent_id) == (
        "Ấp Bình Minh",
        "hamlet",
        tree["commune"].id,
    )
    assert hamlet.path == f"{tree['commune'].path}{hamlet.id}/"
    assert services.get_unit_by_code("99002-02").kind == "residential_group"
    assert services.get_unit_by_code("99-H1").kind == "district_legacy"


def test_rerun_changes_nothing(runner, tree, db, csv_file):
    path = csv_file(GOOD)
    runner.invoke(args=["orgs", "import", path])
    before = _count(db)
    again = runner.invoke(args=["orgs", "import", path])
    assert again.exit_code == 0 and again.output.strip() == "created 0, unchanged 3"
    assert _count(db) == before


def test_file_with_bom_and_semicolons(runner, tree, db, csv_file):
    content = "\ufeff" + GOOD.replace(",", ";")
    result = runner.invoke(args=["orgs", "import", csv_file(content)])
    assert result.exit_code == 0, result.stderr
    assert services.get_unit_by_code("99001-02").name == "Ấp Bình Minh"


def test_vietnamese_headers_and_decomposed_text_are_accepted(runner, tree, db, csv_file):
    content = unicodedata.normalize("NFD", "Mã,Tên,Loại,Mã cấp trên\n99001-09,Thôn Đông,ấp,99001\n")
    result = runner.invoke(args=["orgs", "import", csv_file(content)])
    assert result.exit_code == 0, result.stderr
    assert services.get_unit_by_code("99001-09").name == unicodedata.normalize("NFC", "Thôn Đông")


def test_parents_may_come_from_the_same_file_in_any_order(runner, tree, db, csv_file):
    content = (
        "code,name,kind,parent_code\n"
        "T-2,Tổ 2,residential_group,T-1\n"
        "T-1,Khu phố 1,residential_group,99001\n"
    )
    result = runner.invoke(args=["orgs", "import", csv_file(content)])
    assert result.exit_code == 0, result.stderr
    group, quarter = services.get_unit_by_code("T-2"), services.get_unit_by_code("T-1")
    assert group.parent_id == quarter.id and group.depth == 3


@pytest.mark.parametrize(
    "data",
    [
        _cp1258("code,name,kind,parent_code\nA,Ấp Bình Minh,hamlet,99001\n"),
        _cp1258("code,name,kind,parent_code\nA,Đồng Nai,hamlet,99001\n"),
        b"code,name,kind,parent_code\nA,\xcap B\xd7nh Minh,hamlet,99001\n",  # TCVN3 bytes
        b"code,name,kind,parent_code\nA,\xd1o\xe0ng Nai,hamlet,99001\n",  # VNI bytes
        # A TCVN3 file opened as Windows-1252 and saved as UTF-8: the letters are lost.
        "code,name,kind,parent_code\nA,\u00a7\u00abng Nai,hamlet,99001\n".encode(),
        "code,name,kind,parent_code\nA,Ấp 1,hamlet,99001\n".encode("utf-16"),
    ],
)
def test_legacy_encodings_are_refused_with_advice(runner, tree, db, csv_file, data):
    before = _count(db)
    result = runner.invoke(args=["orgs", "import", csv_file(data)])
    assert result.exit_code == 1
    assert "không dùng bảng mã UTF-8" in result.stderr and "CSV UTF-8" in result.stderr
    assert _count(db) == before


def test_every_bad_row_is_reported_and_nothing_written(runner, tree, db, csv_file):
    content = (
        "code,name,kind,parent_code\n"
        "99001-02,Ấp Tốt,hamlet,99001\n"  # row 2: good
        ",Ấp Không Mã,hamlet,99001\n"  # row 3: no code
        "X-3,Ấp Ba,village,99001\n"  # row 4: unknown kind
        "X-4,Ấp Bốn,hamlet,88888\n"  # row 5: unknown parent
        "99001-02,Ấp Trùng,hamlet,99001\n"  # row 6: duplicate in file
        "99002-01,Ấp Khác,hamlet,99002\n"  # row 7: code of another open unit
        "X-7,Huyện,district_legacy,99001\n"  # row 8: district under a commune
        "X-8,Tổ,residential_group,X-4\n"  # row 9: its parent row is bad
        "X-9,,hamlet,\n"  # row 10: no name, no parent
    )
    before = _count(db)
    result = runner.invoke(args=["orgs", "import", csv_file(content)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    numbers = [line.split(":")[0] for line in lines[:-1]]
    assert numbers == [
        "row 3",
        "row 4",
        "row 5",
        "row 6",
        "row 7",
        "row 8",
        "row 9",
        "row 10",
        "row 10",
    ]
    assert "thiếu “code”" in lines[0]
    assert "loại đơn vị không hợp lệ" in lines[1]
    assert "88888" in lines[2]
    assert "trùng với dòng 2" in lines[3]
    assert "“Ấp 2” đang hoạt động" in lines[4]
    assert "district_legacy" in lines[5]
    assert "dòng 5" in lines[6]
    assert "thiếu “name”" in lines[7] and "thiếu “parent_code”" in lines[8]
    assert "nothing imported" in lines[-1]
    assert _count(db) == before


def test_cycles_in_the_file_are_reported(tree, db):
    content = (
        "code,name,kind,parent_code\nA,Tổ A,residential_group,B\nB,Tổ B,residential_group,A\n"
    ).encode()
    plan = importing.plan_import(content)
    assert [n for n, _ in plan.errors] == [2, 3]
    assert "vòng lặp" in str(plan.errors[0][1])


def test_dry_run_previews_and_writes_nothing(runner, tree, db, csv_file):
    before = _count(db)
    result = runner.invoke(args=["orgs", "import", "--dry-run", csv_file(GOOD)])
    assert result.exit_code == 0, result.stderr
    assert "row 2: new hamlet 99001-02 Ấp Bình Minh under 99001" in result.output
    assert "created 3, unchanged 0 (dry run: nothing written)" in result.output
    assert _count(db) == before


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "không có dòng"),
        ("name,kind\nẤp,hamlet\n", "code, name, kind, parent_code"),
        ("code,name,kind,parent_code\n", "không có dòng"),
    ],
)
def test_unreadable_files_are_refused(runner, tree, db, csv_file, content, message):
    result = runner.invoke(args=["orgs", "import", csv_file(content)])
    assert result.exit_code == 1 and message in result.stderr.lower()


def test_the_template_file_documents_the_columns(tree, db, make_unit):
    province = make_unit("Tỉnh Đồng Nai", kind="province", code="75")
    make_unit("Xã Trảng Bom", parent=province, code="26248")
    make_unit("Phường Biên Hòa", kind="ward", parent=province, code="26068")
    data = TEMPLATE.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    plan = importing.plan_import(data)
    assert plan.ok and plan.counts["new"] == 2
    assert [r.kind for r in plan.rows] == ["hamlet", "residential_group"]


def test_looks_legacy_leaves_real_vietnamese_alone():
    assert not importing.looks_legacy("Ấp Bình Minh, Xã Trảng Bom, Tỉnh Đồng Nai")
    assert not importing.looks_legacy("Café Hà Nội © 2025")
    assert importing.looks_legacy("Êp B×nh Minh, §ång Nai")
