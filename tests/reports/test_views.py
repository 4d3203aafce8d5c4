"""Dashboard, drill-down, inspection file and transcripts, scoped to the viewer's subtree."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader


@pytest.fixture
def data(db, tree, make_user, course, requirement, complete):
    old = datetime.now(UTC) - timedelta(days=400)
    done = make_user(
        unit=tree["hamlet"], position="collaborator", name="Đỗ Thị Hoa", joined_unit_at=old
    )
    idle = make_user(
        unit=tree["hamlet"], position="collaborator", name="=HYPERLINK(1)", joined_unit_at=old
    )
    complete(done, course)
    return done, idle


def page(r):
    return r.get_data(as_text=True)


def test_dashboard_and_drill_down(client, login, tree, make_user, data):
    login(make_user("manager", tree["province"]))
    r = client.get("/reports/")
    assert r.status_code == 200
    assert "Xã An Bình" in page(r) and "<svg" in page(r)
    r = client.get("/reports/?unit=99001")
    assert "Ấp 1" in page(r) and "50%" in page(r)
    r = client.get("/reports/people?unit=99001-01")
    assert "Đỗ Thị Hoa" in page(r)


def test_sibling_units_are_refused(client, login, tree, make_user, data):
    login(make_user("trainer", tree["other"]))
    for url in (
        "/reports/?unit=99001",
        "/reports/people?unit=99001",
        "/reports/inspection.xlsx?unit=99001",
        "/reports/people.csv?unit=99001",
    ):
        r = client.get(url)
        assert r.status_code == 400 and "trong phạm vi" in page(r), url
    done, _ = data
    assert client.get(f"/reports/transcript/{done.id}").status_code == 404


@pytest.mark.parametrize(
    "query", ["as_of=31-05-2026", "position=boss", "course=khong-co", "unit=NOPE", "status=weird"]
)
def test_bad_filters_are_400(client, login, tree, make_user, data, query):
    login(make_user("manager", tree["province"]))
    assert client.get("/reports/people?" + query).status_code == 400


def test_inspection_workbook(client, login, tree, make_user, data):
    login(make_user("manager", tree["province"]))
    r = client.get("/reports/inspection.xlsx?unit=99001")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["Hồ sơ", "Tổng hợp", "Danh sách", "Quá hạn", "Tập huấn", "Điểm danh"]
    people = wb["Danh sách"]
    assert people.freeze_panes == "A2"
    names = [row[0].value for row in people.iter_rows(min_row=2)]
    assert "Đỗ Thị Hoa" in names and "'=HYPERLINK(1)" in names
    assert wb["Quá hạn"].max_row == 1  # due in 30 days: nobody is overdue yet
    later = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()
    r = client.get(f"/reports/inspection.xlsx?unit=99001&as_of={later}")
    overdue = load_workbook(io.BytesIO(r.data))["Quá hạn"]
    assert [row[0].value for row in overdue.iter_rows(min_row=2)] == ["'=HYPERLINK(1)"]


def test_csv_and_pdf_and_print(client, login, tree, make_user, data):
    login(make_user("manager", tree["province"]))
    r = client.get("/reports/people.csv?unit=99001")
    assert r.data.startswith(b"\xef\xbb\xbf") and "Đỗ Thị Hoa" in r.data.decode("utf-8-sig")
    assert client.get("/reports/nope.csv").status_code == 404
    r = client.get("/reports/inspection.pdf?unit=99001")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    assert "HỒ SƠ KIỂM TRA" in text and "Thủ trưởng đơn vị" in text
    assert "Người lập biểu" in page(client.get("/reports/inspection?unit=99001"))


def test_transcript(client, login, tree, make_user, data):
    done, _ = data
    login(make_user("trainer", tree["commune"]))
    r = client.get(f"/reports/transcript/{done.id}")
    assert r.status_code == 200 and "Đỗ Thị Hoa" in page(r) and "Phòng, chống đuối nước" in page(r)


def test_cli_compliance(app, tree, data, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "f.xlsx"
    result = runner.invoke(
        args=["reports", "compliance", "--unit", "99", "--format", "xlsx", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert load_workbook(out)["Danh sách"].max_row == 3
    out = tmp_path / "f.csv"
    result = runner.invoke(
        args=[
            "reports",
            "compliance",
            "--unit",
            "99",
            "--format",
            "csv",
            "--table",
            "overdue",
            "--output",
            str(out),
        ]
    )
    assert result.exit_code == 0 and out.read_bytes().startswith(b"\xef\xbb\xbf")
    result = runner.invoke(args=["reports", "compliance", "--unit", "XX", "--output", str(out)])
    assert result.exit_code == 1


def test_parent_reach_masks_small_counts(client, login, tree, make_user, db, tmp_path):
    from portal.courses import publishing
    from portal.courses import services as courses
    from tests.courses.sample import COURSE_MD, write_course

    md = COURSE_MD.replace("[staff, collaborator]", "[parent]")
    write_course(tmp_path, slug="cha-me", **{"course.md": md, "quiz.md": None})
    list(publishing.sync_content(tmp_path))
    course = courses.get_course("cha-me")
    for _ in range(3):
        parent = make_user(unit=tree["hamlet"], position="parent")
        courses.complete_lessons(parent, course, ["vi-sao", "so-cuu"])
    db.session.commit()
    login(make_user("manager", tree["province"]))
    assert "&lt;5" in page(client.get("/reports/"))


def test_parent_reach_counts_a_period(client, login, tree, make_user, db, tmp_path):
    from sqlalchemy import update

    from portal.courses import publishing
    from portal.courses import services as courses
    from portal.courses.models import CourseStatus
    from tests.courses.sample import COURSE_MD, write_course

    md = COURSE_MD.replace("[staff, collaborator]", "[parent]")
    write_course(tmp_path, slug="cha-me", **{"course.md": md, "quiz.md": None})
    list(publishing.sync_content(tmp_path))
    course = courses.get_course("cha-me")
    parents = [make_user(unit=tree["hamlet"], position="parent") for _ in range(6)]
    for parent in parents:
        courses.complete_lessons(parent, course, ["vi-sao", "so-cuu"])
    last_year = datetime(2025, 3, 1, tzinfo=UTC)
    db.session.execute(
        update(CourseStatus)
        .where(CourseStatus.user_id.in_([p.id for p in parents[:3]]))
        .values(completed_at=last_year)
    )
    db.session.commit()
    login(make_user("manager", tree["province"]))

    def reach(query=""):
        html = page(client.get("/reports/" + query))
        return html.split("Cha mẹ đã học", 1)[1]

    assert "<td>6</td>" in reach()
    this_year = reach(f"?since={date.today().year}-01-01")
    assert "<td>&lt;5</td>" in this_year and "<td>6</td>" not in this_year
    assert "Số cha mẹ hoàn thành từ 01/01/" in this_year
    assert "<td>6</td>" in reach("?since=2025-01-01")
    r = client.get("/reports/?since=2025-13-01")
    assert r.status_code == 400 and "Ngày không hợp lệ" in page(r)
    r = client.get("/reports/?since=2030-01-01&as_of=2029-12-31")
    assert r.status_code == 400 and "Ngày bắt đầu phải trước" in page(r)


def test_a_manager_without_a_unit_sees_no_province(client, login, make_user, data):
    # "No unit" is no scope for anyone but an admin, never the first province.
    login(make_user("manager", None))
    for url in ("/reports/", "/reports/people", "/reports/inspection.xlsx", "/reports/people.csv"):
        r = client.get(url)
        assert r.status_code == 403 and "Đỗ Thị Hoa" not in r.get_data(as_text=True), url


def test_units_without_anyone_to_train_are_named_below_the_table(
    client, login, tree, make_user, data
):
    login(make_user("manager", tree["province"]))
    html = page(client.get("/reports/"))
    table, rest = html.split("</table>", 1)
    assert "Xã An Bình" in table and "Xã Tân Phú" not in table
    assert "1 đơn vị chưa có ai thuộc diện phải học" in rest and "Xã Tân Phú</a>" in rest
