"""Hostile input: random and malicious values sent to every route, as every role.

Walks app.url_map and, for each route and method, posts or queries random fields: known
field names and made-up ones, huge strings, control characters, invalid UTF-8, numbers out
of any column's range, missing and duplicated fields, odd path segments and files that lie
about what they are. Whatever arrives, the answer is never a 5xx and never a traceback.
Examples are fixed in number and derandomised so the run is the same every time.
"""

import inspect
import io
import re
import time
import zipfile
from pathlib import Path
from urllib.parse import quote, quote_from_bytes

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms.fields.core import UnboundField

from portal.accounts.models import User
from portal.courses import services as courses
from portal.courses.models import CourseMedia
from portal.extensions import db
from portal.quizzes import services as quizzes
from tests.courses.sample import png_bytes
from tests.test_access_matrix import world  # noqa: F401 - the shared fixture

ROLES = ("anon", "learner", "trainer", "manager", "admin")
EXAMPLES = 20  # per route and method: about 2,000 requests in all
PORTAL = Path(__file__).resolve().parent.parent / "portal"
FILE_FIELDS = ("file", "image", "archive")
# Routes that end or change the sessions and accounts the others sign in with: last.
LAST = ("accounts.logout", "accounts.profile_delete", "accounts.profile_password")
TRACEBACK = re.compile(rb"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+")

SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    suppress_health_check=list(HealthCheck),
)


def _vocabulary():
    """Every field name a form, template or view reads: the fuzzer's dictionary."""
    names = set()
    for path in PORTAL.rglob("*.py"):
        source = path.read_text()
        names |= set(
            re.findall(r"request\.(?:form|args|values|files)\.get\w*\(\s*\"(\w+)\"", source)
        )
    for path in (PORTAL / "templates").rglob("*.html"):
        names |= set(re.findall(r'name="(\w+)"', path.read_text()))
    import importlib

    for feature in (
        "accounts",
        "orgs",
        "courses",
        "quizzes",
        "training",
        "reports",
        "certificates",
    ):
        try:
            module = importlib.import_module(f"portal.{feature}.forms")
        except ModuleNotFoundError:
            continue
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, FlaskForm):
                names |= {n for n, v in inspect.getmembers(cls) if isinstance(v, UnboundField)}
    return sorted(names - {"csrf_token", "viewport", "robots", "description"})


VOCABULARY = _vocabulary()
WEIRD = [
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "NaN",
    "9" * 40,
    "-" + "9" * 25,
    "2026-02-30",
    "99999-12-31",
    "null",
    "[]",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "../../../../etc/passwd",
    "//evil.example/",
    "javascript:alert(1)",
    '=HYPERLINK("http://x")',
    "\x00",
    "a\x00b",
    "\r\n\r\nX-Injected: 1",
    "\u202e\u200b\ufeff",
    "Nguyễn Văn A",
    "Nguye\u0302\u0303n",
    "%",
    "%ff",
    "admin",
    "learner",
    "duoi-nuoc",
    "vi-sao",
    "99",
    "99001",
    "on",
    "y",
    "1",
    "2",
]
text = st.text(st.characters(codec="utf-8"), max_size=40)
control = st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp"]), max_size=20)
huge = st.tuples(st.sampled_from("aả<%\x00 9"), st.integers(1_000, 300_000)).map(
    lambda p: p[0] * p[1]
)
number = st.integers(-(2**70), 2**70).map(str)
raw_bytes = st.binary(max_size=30)  # mostly invalid UTF-8
VALUE = st.one_of(st.sampled_from(WEIRD), text, control, huge, number, raw_bytes)
# url_for() treats these keyword names specially: a view that passes request.args on trips.
SPECIAL_NAMES = ["_scheme", "_external", "_anchor", "_method", "format", "next", "page"]
NAME = st.one_of(st.sampled_from(VOCABULARY), st.sampled_from(SPECIAL_NAMES), text.filter(bool))
PAIRS = st.lists(st.tuples(NAME, VALUE), max_size=8)  # repeated names: duplicated fields


def _encode(pairs):
    """application/x-www-form-urlencoded bytes, with raw bytes left as they are."""

    def part(v):
        return quote_from_bytes(v) if isinstance(v, bytes) else quote(v, safe="")

    return "&".join(f"{part(k)}={part(v)}" for k, v in pairs)


ENCODINGS = ("urlencoded", "multipart", "raw-multipart")
BOUNDARY = "fuzz-boundary-7f3a"


def _raw_multipart(pairs):
    """A multipart body written by hand: names unquoted as sent, and one part with no name."""
    chunks = []
    for name, value in pairs:
        name = name.decode("latin-1") if isinstance(name, bytes) else name
        value = value if isinstance(value, bytes) else value.encode()
        head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        chunks.append(head.encode("utf-8", "replace") + value + b"\r\n")
    chunks.append(f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n".encode())
    chunks.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(chunks)


def _lying_files():
    """Files whose name, type or size lies: the upload fields get one of these."""
    bomb = io.BytesIO()
    from PIL import Image

    Image.new("1", (12_000, 12_000)).save(bomb, format="PNG")  # 144 Mpx in a few KB
    slip = io.BytesIO()
    with zipfile.ZipFile(slip, "w") as zf:
        zf.writestr("../../evil.md", "x")
    deflate = io.BytesIO()
    with zipfile.ZipFile(deflate, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("c/course.md", b"\0" * 30_000_000)
    return [
        ("anh.png", b"<svg onload=alert(1)></svg>"),
        ("anh.jpg", b"<?php echo 1; ?>"),
        ("anh.png", bomb.getvalue()),
        ("anh.gif", png_bytes()[:40]),
        ("khoa.zip", slip.getvalue()),
        ("khoa.zip", deflate.getvalue()),
        ("khoa.zip", b"PK\x03\x04 not a zip"),
        ("ds.xlsx", b"full_name,phone\nA,0900000000\n"),
        ("ds.xlsx", deflate.getvalue()),
        ("ds.csv", "họ tên".encode("cp1258", "replace") + b"\xff\xfe"),
        ("../../ds.csv", b"full_name\n=cmd|' /C calc'!A0\n"),
        ("", b""),
    ]


LYING_FILES = _lying_files()


def _path_value(converter):
    if type(converter).__name__ == "IntegerConverter":
        return st.sampled_from(["0", "1", "2147483648", str(2**63), str(10**30)])
    return st.one_of(
        st.sampled_from(["x", "%00", "..", "a" * 5000, "ả", "%FF%FE", "-", "AAAA-AAAA-AAAA-AAAA"]),
        text.filter(lambda s: s and "/" not in s).map(lambda s: quote(s, safe="")),
    )


def _url(rule, args):
    """The rule's path with already-quoted values put in."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: args[m.group(1)], rule.rule)


def _params(w):
    """Path values that reach deep into each handler: objects the roles may touch."""
    media = db.session.scalar(select(CourseMedia).order_by(CourseMedia.id))
    return {
        "slug": "duoi-nuoc",
        "lesson_slug": "vi-sao",
        "attempt_id": str(w["attempt"]),
        "code": w["learner_cert"],
        "user_id": str(w["victim"].id),
        "unit_id": str(w["commune"].id),
        "session_id": str(w["session"]),
        "token": w["session_token"],
        "requirement_id": str(w["req"]),
        "media_id": str(media.id),
        "name": media.name.rsplit("/", 1)[1],
        "kind": "quiz",
        "table": "people",
        "lang": "en",
        "filename": "style.css",
    }


AUTHOR_ENDPOINTS = ("edit", "edit_lesson", "delete_lesson", "move_lesson", "edit_file")
AUTHOR_ENDPOINTS += ("upload_media", "publish", "import_into", "archive")


def _routes(app, params):
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        args = dict(params)
        if rule.endpoint.split(".")[1] in AUTHOR_ENDPOINTS:
            args.update(slug="bai-xa", lesson_slug="mot")  # a draft the trainer may edit
        if rule.endpoint == "accounts.user_detail":
            args["user_id"] = params["user_id"]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule, method, args))
    routes.sort(key=lambda r: (r[0].endpoint in LAST, r[0].endpoint, r[1]))
    return routes


@pytest.fixture
def fuzz_world(world):  # noqa: F811 - the imported fixture
    course = courses.get_course("duoi-nuoc")
    attempt, _ = quizzes.start_attempt(world["learner"], course)
    db.session.commit()
    world["attempt"] = attempt.id
    return world


def _request(app, role, method, url, pairs, query, files, encoding):
    client = app.test_client()
    if role != "anon":
        user = db.session.scalar(select(User).where(User.role == role).order_by(User.id))
        with client.session_transaction() as sess:
            sess["_user_id"] = user.get_id()  # read afresh: a logout changes it
            sess["_fresh"] = True
    if query:
        url += "?" + _encode(query)
    if method == "GET":
        if pairs:
            url += ("&" if "?" in url else "?") + _encode(pairs)
        return client.get(url)
    if encoding == "raw-multipart":
        return client.open(
            url,
            method=method,
            data=_raw_multipart(pairs),
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
        )
    if encoding == "multipart":
        data = MultiDict(
            [(k, v.decode("latin-1") if isinstance(v, bytes) else v) for k, v in pairs]
        )
        for name, (filename, blob) in files:
            data.add(name, (io.BytesIO(blob), filename))
        return client.open(url, method=method, data=data, content_type="multipart/form-data")
    return client.open(
        url,
        method=method,
        data=_encode(pairs),
        content_type="application/x-www-form-urlencoded",
    )


def _check(app, rule, method, args):
    converters = rule._converters

    @SETTINGS
    @given(
        role=st.sampled_from(ROLES),
        path=st.fixed_dictionaries(
            {},
            optional={name: _path_value(conv) for name, conv in converters.items()},
        )
        if converters
        else st.just({}),
        pairs=PAIRS,
        query=st.lists(st.tuples(NAME, VALUE), max_size=3),
        files=st.lists(
            st.tuples(st.sampled_from(FILE_FIELDS), st.sampled_from(LYING_FILES)), max_size=2
        ),
        encoding=st.sampled_from(ENCODINGS),
    )
    def hostile(role, path, pairs, query, files, encoding):
        url = _url(rule, {**args, **path})
        db.session.remove()
        response = _request(app, role, method, url, pairs, query, files, encoding)
        assert response.status_code < 500, f"{method} {url} as {role}: {response.status_code}"
        assert not TRACEBACK.search(response.data), f"{method} {url} as {role}: a traceback"

    hostile()


def test_no_input_makes_a_5xx_or_a_traceback(app, fuzz_world):
    routes = _routes(app, _params(fuzz_world))
    failures = []
    started = time.monotonic()
    for rule, method, args in routes:
        try:
            _check(app, rule, method, args)
        except AssertionError as exc:
            failures.append(f"{rule.endpoint} {method}: {str(exc).splitlines()[0]}")
        except Exception as exc:  # an exception the app let escape
            failures.append(f"{rule.endpoint} {method}: {type(exc).__name__}: {exc}"[:500])
    assert not failures, "\n".join(failures)
    assert len(routes) > 60, "the walk lost the routes"
    print(f"fuzzed {len(routes)} routes in {time.monotonic() - started:.0f} s")


# Uploads that lie, over HTTP: refused with a 4xx, nothing stored, no worker tied up.


def _zip(entries, method=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _png_bomb():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buf, format="PNG")  # 144 Mpx in a few KB
    return buf.getvalue()


def _xlsx_bomb(rows=1_000_000):
    """A valid workbook whose one sheet unpacks to ~100 MB of rows: 0.4 MB uploaded."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(list(("full_name", "phone", "email", "unit_code", "position", "role")))
    book.active.append(["Nguyễn Văn A", "0900000000", "", "99001", "cộng tác viên", ""])
    plain = io.BytesIO()
    book.save(plain)
    source = zipfile.ZipFile(plain)
    row = (
        b'<row><c t="inlineStr"><is><t>Nguyen Van A</t></is></c>'
        b'<c t="inlineStr"><is><t>0900000000</t></is></c></row>'
    )
    entries = {}
    for info in source.infolist():
        data = source.read(info.filename)
        if info.filename == "xl/worksheets/sheet1.xml":
            head, tail = data.split(b"</sheetData>")
            head = re.sub(rb"<dimension[^>]*/>", b"", head)  # no size hint to stop at
            data = head + row * rows + b"</sheetData>" + tail
        entries[info.filename] = data
    return _zip(entries, zipfile.ZIP_DEFLATED)


@pytest.mark.parametrize(
    ("filename", "payload"),
    [
        ("anh.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("anh.jpg", b"<html><script>alert(1)</script></html>"),
        ("anh.gif", png_bytes()[:60]),  # a truncated image
        ("anh.png", None),  # the decompression bomb
    ],
)
def test_images_that_lie_are_refused(client, login, fuzz_world, filename, payload):
    login(fuzz_world["trainer"])
    before = db.session.query(CourseMedia).count()
    data = {"image": (io.BytesIO(payload or _png_bomb()), filename)}
    response = client.post("/courses/bai-xa/edit/media", data=data)
    assert response.status_code == 400
    assert db.session.query(CourseMedia).count() == before


@pytest.mark.parametrize(
    "archive",
    [
        _zip({"../../evil/course.md": b"x"}),
        _zip({"/etc/course.md": b"x"}),
        _zip({"khoa\\..\\..\\course.md": b"x"}),
        _zip({"khoa/../../course.md": b"x"}),
        _zip({"khoa/course.md": b"\0" * (30 * 1024 * 1024)}, zipfile.ZIP_DEFLATED),
        b"PK\x03\x04 not a zip at all",
    ],
    ids=["parent", "absolute", "backslash", "inner-parent", "bomb", "not-a-zip"],
)
def test_course_zips_that_lie_are_refused(client, login, fuzz_world, archive):
    from portal.courses.models import Course

    login(fuzz_world["trainer"])
    before = db.session.query(Course).count()
    response = client.post("/courses/import", data={"archive": (io.BytesIO(archive), "k.zip")})
    assert response.status_code == 400
    assert db.session.query(Course).count() == before
    assert not (Path.cwd() / "evil").exists()


@pytest.mark.parametrize(
    ("filename", "payload"),
    [
        ("ds.xlsx", None),  # the decompression bomb
        ("ds.xlsx", b"full_name,phone,position\nA,0900000000,ctv\n"),  # a CSV calling itself xlsx
        ("ds.csv", "Nguyễn Văn A,0900000000".encode("utf-16")),  # not UTF-8
    ],
    ids=["xlsx-bomb", "csv-as-xlsx", "utf-16"],
)
def test_staff_lists_that_lie_are_refused_quickly(client, login, fuzz_world, filename, payload):
    login(fuzz_world["trainer"])
    before = db.session.query(User).count()
    started = time.monotonic()
    data = {"file": (io.BytesIO(payload or _xlsx_bomb()), filename)}
    response = client.post("/admin/users/import", data=data)
    assert response.status_code == 422
    assert time.monotonic() - started < 5, "the upload tied the worker up"
    assert db.session.query(User).count() == before
