"""The English interface: every source string translated, placeholders kept, pages in English."""

import io
import re
from collections import Counter
from gettext import GNUTranslations
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "portal" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
# The same keywords as `make translations` (pybabel extract -k _l -k lazy_gettext).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
# printf-style placeholders as gettext formats them: %(name)s, %d, and the escaped %%.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
VIETNAMESE_NAV = ("Khóa học", "Đăng nhập", "Đăng ký", "Quyền riêng tư", "Bỏ qua, đến nội dung")


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as f:
        return read_po(f)


def _source_messages():
    """(file:line, msgid) of every translatable string, extracted as babel.cfg says."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    for filename, lineno, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        yield f"{filename}:{lineno}", msgid, context


def test_every_source_string_has_an_english_translation(catalog):
    found = list(_source_messages())
    assert len(found) > 500  # the extraction itself works (templates and Python alike)
    problems = []
    for where, msgid, context in found:
        entry = catalog.get(msgid, context=context)
        if entry is None:
            problems.append(f"{where}: not in the catalog (run `make translations`): {msgid!r}")
        elif entry.fuzzy:
            problems.append(f"{where}: fuzzy translation, check it: {msgid!r}")
        elif not all(entry.string if isinstance(entry.string, tuple) else (entry.string,)):
            problems.append(f"{where}: no English translation: {msgid!r}")
    assert not problems, "\n".join(problems)


def test_no_fuzzy_or_empty_entries_in_the_catalog(catalog):
    bad = [m.id for m in catalog if m.id and (m.fuzzy or not m.string)]
    assert not bad


def test_placeholders_are_kept(catalog):
    problems = []
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        expected = Counter(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if Counter(PLACEHOLDER.findall(string)) != expected:
                line = m.lineno or 0
                problems.append(f"{PO.relative_to(ROOT)}:{line}: {m.id!r} -> {string!r}")
    assert not problems, "\n".join(problems)


def test_the_catalog_compiles(catalog):
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    translations = GNUTranslations(buf)
    assert translations.gettext("Đăng nhập") == "Log in"
    assert translations.gettext("Trang %(n)d / %(m)d") % {"n": 2, "m": 5} == "Page 2 of 5"
    assert list(catalog.check()) == []  # Babel's own checks (python-format and the like)


def test_pages_are_english_with_the_language_cookie(client):
    vietnamese = client.get("/courses/").get_data(as_text=True)
    assert "Khóa học" in vietnamese and "Đăng nhập" in vietnamese  # the default

    r = client.get("/language/en?next=/")
    assert r.status_code == 302
    for path, english in (
        ("/courses/", ("Courses", "Log in", "Search courses")),
        ("/login", ("Log in", "Phone number or email", "Password")),
    ):
        page = client.get(path).get_data(as_text=True)
        assert '<html lang="en">' in page
        for text in english:
            assert text in page, (path, text)
        for label in VIETNAMESE_NAV:
            assert label not in page, (path, label)


def test_messages_from_python_are_english_too(client, make_user):
    make_user(phone="0912345678")
    client.get("/language/en?next=/")
    r = client.post("/login", data={"login": "0912345678", "password": "wrong password"})
    page = r.get_data(as_text=True)
    assert "Wrong phone number, email or password." in page
    assert "không đúng" not in page
