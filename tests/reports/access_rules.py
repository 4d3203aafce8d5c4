from tests.test_access_matrix import ALL  # noqa: F401

VIEW = dict(anon=302, learner=403, trainer=200, manager=200, admin=200)

RULES = [
    ("reports.dashboard", "GET", "/reports/", VIEW),
    (
        "reports.dashboard",
        "GET",
        "/reports/?unit=99002",
        dict(anon=302, learner=403, trainer=400, manager=400, admin=200),
    ),
    ("reports.people", "GET", "/reports/people", VIEW),
    ("reports.transcript", "GET", lambda w: f"/reports/transcript/{w['learner'].id}", VIEW),
    (
        "reports.transcript",
        "GET",
        lambda w: f"/reports/transcript/{w['outsider'].id}",
        dict(anon=302, learner=403, trainer=404, manager=404, admin=200),
    ),
    ("reports.inspection_page", "GET", "/reports/inspection", VIEW),
    ("reports.inspection_xlsx", "GET", "/reports/inspection.xlsx", VIEW),
    ("reports.inspection_pdf", "GET", "/reports/inspection.pdf", VIEW),
    ("reports.table_csv", "GET", "/reports/people.csv", VIEW),
]
