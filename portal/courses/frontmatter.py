"""YAML front matter and the `file:line: message` problems every content check reports."""

import unicodedata
from dataclasses import dataclass

import yaml
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str  # lazy (flask_babel): read in the language of whoever reads it

    def __str__(self):
        return f"{self.file}:{self.line}: {self.message}"


def decode(data, filename, problems):
    """Bytes → NFC text with Unix newlines; a problem (and None) when not UTF-8."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(filename, line, _l("không phải UTF-8: hãy lưu tệp dạng UTF-8")))
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def split_front_matter(text, filename, problems):
    """Return (metadata dict or None, body, first line number of the body)."""
    if not text.startswith("---\n"):
        return None, text, 1
    end = text.find("\n---", 3)
    while end != -1 and text[end + 4 : end + 5] not in ("\n", ""):
        end = text.find("\n---", end + 4)
    if end == -1:
        problems.append(Problem(filename, 1, _l("phần khai báo đầu tệp chưa được đóng bằng ---")))
        return None, text, 1
    raw = text[4 : end + 1]
    body = text[end + 5 :]
    body_line = raw.count("\n") + 3
    try:
        meta = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(exc, "problem", None) or "invalid YAML"
        problems.append(
            Problem(filename, line, _l("phần khai báo đầu tệp: %(problem)s", problem=problem))
        )
        return None, body, body_line
    if not isinstance(meta, dict):
        problems.append(
            Problem(filename, 2, _l("phần khai báo đầu tệp phải là các dòng khóa: giá trị"))
        )
        return None, body, body_line
    return meta, body, body_line


def key_line(text, key):
    """The line of `key:` in a file's front matter, for precise messages."""
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith(f"{key}:"):
            return number
        if number > 1 and line == "---":
            break
    return 1
