"""Catalog, course page and lesson reader as a visitor and as a learner."""

import re
from itertools import pairwise

import pytest


@pytest.fixture
def course(publish):
    return publish()


def text(response):
    return response.get_data(as_text=True)


def test_catalog_lists_and_searches(client, course):
    assert "Phòng, chống đuối nước" in text(client.get("/courses/"))
    assert "Phòng, chống đuối nước" in text(client.get("/courses/?q=duoi+nuoc"))
    page = text(client.get("/courses/?q=xe+m%C3%A1y"))
    assert "Không tìm thấy khóa học nào" in page


def test_catalog_ignores_unknown_topic_and_huge_query(client, course):
    assert client.get("/courses/?topic=<script>").status_code == 200
    assert client.get("/courses/?q=" + "a" * 5000).status_code == 200


@pytest.mark.parametrize(
    "url", ["/", "/courses/", "/courses/duoi-nuoc/", "/courses/duoi-nuoc/vi-sao"]
)
def test_headings_never_skip_a_level(client, course, url):
    # Screen-reader users move by headings: an h3 straight under the h1 hides a level.
    levels = [int(n) for n in re.findall(r"<h([1-6])[\s>]", text(client.get(url)))]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in pairwise(levels)), levels


def test_vietnamese_lessons_are_marked_vietnamese_in_the_english_interface(client, course):
    client.set_cookie("lang", "en")
    page = text(client.get("/courses/duoi-nuoc/vi-sao"))
    assert '<html lang="en">' in page and '<article class="lesson" lang="vi">' in page


def test_course_page_shows_outline_sources_and_review_date(client, course):
    page = text(client.get("/courses/duoi-nuoc/"))
    assert "Vì sao trẻ bị đuối nước" in page and "Sơ cứu đúng cách" in page
    assert "WHO, Preventing drowning" in page
    assert "01/10/2026" in page
    assert "Bắt đầu học" in page


def test_a_shared_course_link_previews_with_the_canonical_address(client, course):
    # Zalo and Facebook read Open Graph tags; the address is PORTAL_BASE_URL's (DESIGN §10.3).
    page = text(client.get("/courses/duoi-nuoc/"))
    assert 'property="og:url" content="http://portal.test/courses/duoi-nuoc/"' in page
    assert '<link rel="canonical" href="http://portal.test/courses/duoi-nuoc/">' in page
    page = text(client.get("/courses/duoi-nuoc/vi-sao"))
    assert 'property="og:url" content="http://portal.test/courses/duoi-nuoc/vi-sao"' in page


def test_lesson_is_readable_without_an_account(client, course):
    r = client.get("/courses/duoi-nuoc/vi-sao")
    assert r.status_code == 200
    page = text(r)
    assert 'property="og:title" content="Vì sao trẻ bị đuối nước"' in page
    assert 'href="http://portal.test/courses/duoi-nuoc/vi-sao"' in page
    assert "Đăng nhập" in page and "/courses/duoi-nuoc/so-cuu" in page


def test_finishing_lessons_moves_on_and_resumes(client, course, make_user, login):
    login(make_user())
    r = client.post("/courses/duoi-nuoc/vi-sao/done")
    assert r.status_code == 302 and r.headers["Location"].endswith("/courses/duoi-nuoc/so-cuu")
    page = text(client.get("/courses/duoi-nuoc/"))
    assert "Học tiếp: Sơ cứu đúng cách" in page and "1/2 bài" in page
    r = client.post("/courses/duoi-nuoc/so-cuu/done")
    assert r.headers["Location"].endswith("/courses/duoi-nuoc/")


def test_finishing_needs_login_and_a_post(client, course):
    assert client.post("/courses/duoi-nuoc/vi-sao/done").status_code == 302
    assert client.get("/courses/duoi-nuoc/vi-sao/done").status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        "/courses/khong-co/",
        "/courses/duoi-nuoc/khong-co",
        "/courses/khong-co/vi-sao",
        "/courses/khong-co/print",
        "/courses/duoi-nuoc/print?lesson=x",
        "/courses/media/99/x.png",
        "/courses/media/1/khac.png",
    ],
)
def test_unknown_things_are_404(client, course, url):
    r = client.get(url)
    assert r.status_code == 404
    assert "Trang này không tồn tại" in text(r)


def test_unknown_lesson_done_is_404(client, course, make_user, login):
    login(make_user())
    assert client.post("/courses/duoi-nuoc/khong-co/done").status_code == 404


def test_print_view_and_job_aid(client, course):
    assert "Sơ cứu đúng cách" in text(client.get("/courses/duoi-nuoc/print?lesson=so-cuu"))
    assert "Sơ cứu đuối nước" in text(client.get("/courses/duoi-nuoc/job-aid"))


def test_media_is_served_with_long_cache_and_its_type(client, course):
    r = client.get("/courses/media/1/ao.png")
    assert r.mimetype == "image/png"
    assert "immutable" in r.headers["Cache-Control"]


def test_lesson_page_runs_a_fixed_number_of_queries(client, course, make_user, login, sql):
    login(make_user())
    counts = []
    for _ in range(3):
        with sql() as statements:
            client.get("/courses/duoi-nuoc/vi-sao")
        counts.append(len(statements))
    assert max(counts) <= 8 and counts[1] == counts[2]
