"""The one Markdown → safe HTML function: Python-Markdown, then an nh3 allow-list (DESIGN §9.3)."""

import re
from urllib.parse import urlsplit
from xml.etree import ElementTree

import markdown as md
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from portal.text import fold

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "s", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ATTRIBUTES = {
    "*": {"class", "id", "title"},
    "a": {"href", "rel"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Classes Markdown itself writes (admonitions, footnotes): an author's own classes could
# dress lesson text as the site's buttons or messages.
CLASSES = {
    "admonition", "admonition-title", "note", "tip", "warning", "danger", "important",
    "hint", "caution", "attention", "footnote", "footnote-ref", "footnote-backref",
}  # fmt: skip


def _keep_attribute(_tag, name, value):
    if name != "class":
        return value
    kept = [c for c in value.split() if c in CLASSES]
    return " ".join(kept) or None


def slugify(value, separator="-"):
    """Heading anchors in plain ASCII: "Điều cần nhớ" → "dieu-can-nho"."""
    return re.sub(r"[^a-z0-9]+", separator, fold(value)).strip(separator) or "muc"


class _Links(Treeprocessor):
    """External links open safely; images load lazily at their stored size."""

    def __init__(self, md_instance, media):
        super().__init__(md_instance)
        self.media = media

    def run(self, root: ElementTree.Element):
        for a in root.iter("a"):
            href = a.get("href", "")
            if urlsplit(href).scheme in ("http", "https"):
                a.set("rel", "noopener noreferrer")
        for img in root.iter("img"):
            src = img.get("src", "")
            info = self.media.get(src)
            if info:
                img.set("src", info["url"])
                img.set("width", str(info["width"]))
                img.set("height", str(info["height"]))
            img.set("loading", "lazy")


class _LinksExtension(Extension):
    def __init__(self, media):
        super().__init__()
        self.media = media

    def extendMarkdown(self, md_instance):  # noqa: N802 - Python-Markdown's API name
        md_instance.treeprocessors.register(_Links(md_instance, self.media), "portal_links", 5)


def render(text, *, media=None, inline=False):
    """Render Markdown to sanitised HTML.

    `media` maps a source reference ("media/pond.jpg") to {"url", "width", "height"}.
    `inline` drops the wrapping paragraph for one-line texts (quiz options).
    """
    converter = md.Markdown(
        extensions=[
            "tables",
            "footnotes",
            "admonition",
            "sane_lists",
            "toc",
            _LinksExtension(media or {}),
        ],
        extension_configs={
            "toc": {"slugify": slugify, "permalink": False},
            "footnotes": {"BACKLINK_TEXT": "↩", "BACKLINK_TITLE": ""},
        },
        output_format="html",
    )
    html = converter.convert(text or "")
    if inline and html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return sanitise(html)


def sanitise(html):
    """Keep only the allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        attribute_filter=_keep_attribute,
        clean_content_tags={"script", "style"},
        strip_comments=True,
    )


def plain_text(html):
    """The text of rendered HTML, for search and previews."""
    return re.sub(r"\s+", " ", nh3.clean(html, tags=set())).strip()
