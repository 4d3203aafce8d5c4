"""The quiz format of DESIGN §3: front matter, then one question per `##` heading."""

import re
from dataclasses import dataclass, field

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
            problems.append(Problem(filename, 1, f"unknown quiz setting '{key}'"))
    for key, (default, low, high) in SETTINGS.items():
        value = meta.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems.append(
                Problem(filename, 1, f"{key} must be a whole number from {low} to {high}")
            )
            value = default
        settings[key] = value
    for key, default in BOOL_SETTINGS.items():
        value = meta.get(key, default)
        if not isinstance(value, bool):
            problems.append(Problem(filename, 1, f"{key} must be true or false"))
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
                problems.append(Problem(filename, line, "a question has one {#id}"))
            q.id = token[1:]
        elif token == "must":
            q.must = True
        else:
            q.lesson = token.split("=", 1)[1]
    if not q.id:
        problems.append(Problem(filename, line, "question needs a permanent id: {#some-id}"))
    elif not _QUESTION_ID.match(q.id):
        problems.append(Problem(filename, line, f"question id '{q.id}': use a-z, 0-9 and hyphens"))
    if "{" in text and "}" in text:
        problems.append(
            Problem(filename, line, "unknown {...} marker: use {#id}, {must}, {lesson=slug}")
        )
    if not text:
        problems.append(Problem(filename, line, "question text is empty"))
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
                    Problem(filename, lineno, "text before the first question (## heading)")
                )
            continue
        if line.startswith("#"):
            problems.append(
                Problem(filename, lineno, "only ## headings (questions) are allowed in a quiz")
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
                Problem(filename, lineno, "after the options only a > explanation may follow")
            )
        else:
            problems.append(
                Problem(filename, lineno, "text after the explanation: start a new ## question")
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
            Problem(filename, q.line, "a question needs at least two options (- [ ] / - [x])")
        )
    elif not any(correct for _, correct in q.options):
        problems.append(Problem(filename, q.line, "mark the correct option(s) with [x]"))
    elif all(correct for _, correct in q.options):
        problems.append(Problem(filename, q.line, "every option is marked correct"))
    if any(not text for text, _ in q.options):
        problems.append(Problem(filename, q.line, "an option is empty"))
    if not q.explanation:
        problems.append(Problem(filename, q.line, "add an explanation (> ...) after the options"))


def _check(settings, questions, filename, lesson_slugs, problems):
    if not questions:
        problems.append(Problem(filename, 1, "the quiz has no questions"))
        return
    seen = {}
    for q in questions:
        if q.id and q.id in seen:
            problems.append(
                Problem(filename, q.line, f"question id '{q.id}' repeats line {seen[q.id]}")
            )
        seen.setdefault(q.id, q.line)
        if q.lesson is not None and lesson_slugs is not None and q.lesson not in lesson_slugs:
            problems.append(Problem(filename, q.line, f"{{lesson={q.lesson}}}: no such lesson"))
    per_attempt = settings.get("questions_per_attempt", 0)
    must = sum(q.must for q in questions)
    if per_attempt > len(questions):
        problems.append(
            Problem(
                filename,
                1,
                f"questions_per_attempt is {per_attempt} but the bank has {len(questions)}",
            )
        )
    if per_attempt and must > per_attempt:
        problems.append(
            Problem(
                filename,
                1,
                f"{must} must-pass questions do not fit questions_per_attempt {per_attempt}",
            )
        )
