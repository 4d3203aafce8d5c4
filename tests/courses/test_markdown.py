"""The renderer: the features authors use, and an allow-list that stops script."""

import pytest

from portal.markdown import render, slugify

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "<iframe src='https://evil.example'></iframe>",
    "<form action='https://evil.example'><input name=a></form>",
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    "<a href='x' onclick='alert(1)'>x</a>",
    "<div style='background:url(javascript:alert(1))'>x</div>",
    "<object data='x.swf'></object>",
    "<embed src='x.swf'>",
    "<math><mtext><script>alert(1)</script></mtext></math>",
    "<details open ontoggle=alert(1)>",
    "<a href='&#106;avascript:alert(1)'>x</a>",
    "<base href='https://evil.example/'>",
    "<meta http-equiv='refresh' content='0;url=https://evil.example'>",
    "<link rel=stylesheet href='https://evil.example/x.css'>",
    "<style>body{display:none}</style>",
    "<img src='x' srcset='javascript:alert(1)'>",
    "<p>x</p><!--<script>alert(1)</script>-->",
    "<noscript><p title='</noscript><img src=x onerror=alert(1)>'></noscript>",
    '<a href="vbscript:msgbox(1)">x</a>',
]
FORBIDDEN = [
    "<script",
    "onerror",
    "onclick",
    "onload",
    "ontoggle",
    "javascript:",
    "vbscript:",
    "data:text",
    "<iframe",
    "<form",
    "<svg",
    "<object",
    "<embed",
    "<base",
    "<meta",
    "<link",
    "<style",
    "style=",
    "<math",
    "srcset",
    "<input",
]


@pytest.mark.parametrize("payload", XSS)
def test_xss_payloads_are_neutralised(payload):
    html = render(payload).lower()
    for marker in FORBIDDEN:
        assert marker not in html, (payload, html)


def test_tables_footnotes_admonitions_and_anchors():
    html = render(
        "## Điều cần nhớ\n\nCâu.[^1]\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        '!!! warning "Lưu ý"\n    Không dốc ngược trẻ.\n\n[^1]: Luật Trẻ em, Điều 4.'
    )
    assert '<h2 id="dieu-can-nho">' in html
    assert "<table>" in html
    assert 'class="footnote"' in html and "Điều 4" in html
    assert 'class="admonition warning"' in html and "Lưu ý" in html


def test_external_links_get_rel_internal_links_do_not():
    html = render("[WHO](https://www.who.int) [khóa](/courses/)")
    assert '<a href="https://www.who.int" rel="noopener noreferrer">' in html
    assert '<a href="/courses/">' in html


def test_images_are_lazy_with_their_size():
    media = {"media/a.png": {"url": "/courses/media/3/a.png", "width": 640, "height": 480}}
    html = render("![Ao](media/a.png)", media=media)
    assert 'src="/courses/media/3/a.png"' in html
    assert 'width="640"' in html and 'height="480"' in html and 'loading="lazy"' in html


def test_tel_links_survive():
    assert 'href="tel:111"' in render("[111](tel:111)")


def test_slugify_vietnamese():
    assert slugify("Đuối nước: sơ cứu") == "duoi-nuoc-so-cuu"


def test_authors_cannot_dress_text_as_the_sites_own_buttons_or_messages():
    html = render(
        '<p class="flash success">Đã lưu.</p> <a class="button primary" href="/x">Nộp</a>\n\n'
        '!!! warning "Chú ý"\n    Giữ trẻ xa ao.'
    )
    assert "flash" not in html and "button" not in html and "success" not in html
    assert '<div class="admonition warning">' in html
    assert '<p class="admonition-title">' in html
