"""The quiz format of DESIGN §3: front matter, then one question per `##` heading."""

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from portal.courses.frontmatter import Problem, split_front_matter

SETTINGS = {  # name: (default, minimum, maximum)
    "pass_mark": (80, 0, 100),
    "questions_per_attempt": (0, 0, 500),
    "max_attempts": (0, 0, 100),
    "cooldown_minutes": (0, 0, 60 * 24 * 30),
    "time_limit_minutes": (0, 0, 600),
}
BOOL_SETTINGS = {"shuffle_options": True}

_HEADING = re.compile(r"^##\s+(.*?)\s*$")
_TOKEN = re.compile(r"\{(#[^}\s]*|must|lesson=[^}\s]*)\}\s*$")
_OPTION = re.compile(r"^[-*+]\s+\[([ xX])\]\s+(.*)$")
_QUESTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


@dataclass
class Question:
    id: str
    text: str  # the heading without its tokens
    prompt: str = ""  # Markdown paragraphs under the heading
    options: list = field(default_factory=list)  # [(markdown, correct)]
    explanation: str = ""
    must: bool = False
    lesson: str | None = None
    line: int = 0

    @property
    def multiple(self):
        return sum(1 for _, correct in self.options if correct) > 1


@dataclass
class QuizFile:
    settings: dict
    questions: list


def parse_quiz(text, filename, lesson_slugs=None):
    """Parse a quiz file; return (QuizFile or None, [Problem])."""
    problems = []
    meta, body, body_line = split_front_matter(text, filename, problems)
    settings = _settings(meta or {}, filename, problems)
    questions = _questions(body, body_line, filename, problems)
    _check(settings, questions, filename, lesson_slugs, problems)
    if problems:
        return None, problems
    return QuizFile(settings, questions), problems


def _settings(meta, filename, problems):
    settings = {}
    for key in meta:
        if key not in SETTINGS and key not in BOOL_SETTINGS:
            problems.append(
                Problem(
                    filename,
                    1,
                    _l("thiết lập bài kiểm tra không có trong định dạng: '%(key)s'", key=key),
                )
            )
    for key, (default, low, high) in SETTINGS.items():
        value = meta.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems.append(
                Problem(
                    filename,
                    1,
                    _l(
                        "%(key)s phải là số nguyên từ %(low)s đến %(high)s",
                        key=key,
                        low=low,
                        high=high,
                    ),
                )
            )
            value = default
        settings[key] = value
    for key, default in BOOL_SETTINGS.items():
        value = meta.get(key, default)
        if not isinstance(value, bool):
            problems.append(Problem(filename, 1, _l("%(key)s phải là true hoặc false", key=key)))
            value = default
        settings[key] = value
    return settings


def _heading(raw, filename, line, problems):
    tokens = []
    text = raw
    while True:
        m = _TOKEN.search(text)
        if not m:
            break
        tokens.append(m.group(1))
        text = text[: m.start()].rstrip()
    q = Question(id="", text=text, line=line)
    for token in tokens:
        if token.startswith("#"):
            if q.id:
                problems.append(Problem(filename, line, _l("mỗi câu hỏi chỉ có một {#id}")))
            q.id = token[1:]
        elif token == "must":
            q.must = True
        else:
            q.lesson = token.split("=", 1)[1]
    if not q.id:
        problems.append(Problem(filename, line, _l("câu hỏi cần mã cố định: {#ma-cau-hoi}")))
    elif not _QUESTION_ID.match(q.id):
        problems.append(
            Problem(
                filename,
                line,
                _l("mã câu hỏi '%(id)s': chỉ dùng a-z, 0-9 và dấu gạch ngang", id=q.id),
            )
        )
    if "{" in text and "}" in text:
        problems.append(
            Problem(filename, line, _l("dấu {...} không hợp lệ: dùng {#id}, {must}, {lesson=slug}"))
        )
    if not text:
        problems.append(Problem(filename, line, _l("câu hỏi chưa có nội dung")))
    return q


def _questions(body, body_line, filename, problems):
    questions = []
    current = None
    state = "prompt"  # prompt → options → explanation
    prompt, explanation = [], []
    for offset, line in enumerate(body.split("\n")):
        lineno = body_line + offset
        heading = _HEADING.match(line)
        if heading:
            if current:
                _finish(current, prompt, explanation, filename, problems)
                questions.append(current)
            current = _heading(heading.group(1), filename, lineno, problems)
            state, prompt, explanation = "prompt", [], []
            continue
        if current is None:
            if line.strip():
                problems.append(
                    Problem(filename, lineno, _l("có chữ trước câu hỏi đầu tiên (dòng ##)"))
                )
            continue
        if line.startswith("#"):
            problems.append(
                Problem(filename, lineno, _l("bài kiểm tra chỉ dùng tiêu đề ## (câu hỏi)"))
            )
            continue
        option = _OPTION.match(line)
        if option and state in ("prompt", "options"):
            state = "options"
            current.options.append([option.group(2).strip(), option.group(1) != " "])
        elif state == "options" and line.startswith(("  ", "\t")) and line.strip():
            current.options[-1][0] += " " + line.strip()
        elif line.startswith(">") and state in ("options", "explanation"):
            state = "explanation"
            explanation.append(line[1:].removeprefix(" "))
        elif not line.strip():
            if state == "prompt":
                prompt.append("")
            elif state == "explanation":
                explanation.append("")
        elif state == "prompt":
            prompt.append(line)
        elif state == "options":
            problems.append(
                Problem(
                    filename, lineno, _l("sau các phương án chỉ được có lời giải thích (dòng >)")
                )
            )
        else:
            problems.append(
                Problem(
                    filename, lineno, _l("có chữ sau lời giải thích: hãy bắt đầu câu hỏi ## mới")
                )
            )
    if current:
        _finish(current, prompt, explanation, filename, problems)
        questions.append(current)
    return questions


def _finish(q, prompt, explanation, filename, problems):
    q.prompt = "\n".join(prompt).strip()
    q.explanation = "\n".join(explanation).strip()
    q.options = [(text, correct) for text, correct in q.options]
    if len(q.options) < 2:
        problems.append(
            Problem(filename, q.line, _l("câu hỏi cần ít nhất hai phương án (- [ ] / - [x])"))
        )
    elif not any(correct for _, correct in q.options):
        problems.append(Problem(filename, q.line, _l("hãy đánh dấu phương án đúng bằng [x]")))
    elif all(correct for _, correct in q.options):
        problems.append(Problem(filename, q.line, _l("mọi phương án đều được đánh dấu đúng")))
    if any(not text for text, _ in q.options):
        problems.append(Problem(filename, q.line, _l("có phương án để trống")))
    if not q.explanation:
        problems.append(
            Problem(filename, q.line, _l("hãy thêm lời giải thích (> ...) sau các phương án"))
        )


def _check(settings, questions, filename, lesson_slugs, problems):
    if not questions:
        problems.append(Problem(filename, 1, _l("bài kiểm tra chưa có câu hỏi nào")))
        return
    seen = {}
    for q in questions:
        if q.id and q.id in seen:
            problems.append(
                Problem(
                    filename,
                    q.line,
                    _l("mã câu hỏi '%(id)s' trùng với dòng %(line)s", id=q.id, line=seen[q.id]),
                )
            )
        seen.setdefault(q.id, q.line)
        if q.lesson is not None and lesson_slugs is not None and q.lesson not in lesson_slugs:
            problems.append(
                Problem(
                    filename, q.line, _l("{lesson=%(slug)s}: không có bài học này", slug=q.lesson)
                )
            )
    per_attempt = settings.get("questions_per_attempt", 0)
    must = sum(q.must for q in questions)
    if per_attempt > len(questions):
        problems.append(
            Problem(
                filename,
                1,
                _l(
                    "questions_per_attempt là %(n)s nhưng ngân hàng chỉ có %(bank)s câu",
                    n=per_attempt,
                    bank=len(questions),
                ),
            )
        )
    if per_attempt and must > per_attempt:
        problems.append(
            Problem(
                filename,
                1,
                _l(
                    "%(must)s câu bắt buộc không vừa questions_per_attempt %(n)s",
                    must=must,
                    n=per_attempt,
                ),
            )
        )
