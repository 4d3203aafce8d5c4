"""Drawing, reading answers and grading: pure functions over the published quiz JSON.

A question as published (courses.publishing.render_quiz): {"id", "text", "prompt",
"options": [html], "correct": [source positions], "explanation", "must", "lesson"}.
A drawn question on an attempt: {"id", "order": [source positions in display order]}.
Answers are always kept by source position, so statistics follow options across shuffles.
"""

from dataclasses import dataclass, field
from datetime import timedelta

# Time a submission may arrive after the deadline (slow networks, the click at 0:00).
GRACE = timedelta(seconds=30)
FIELD_PREFIX = "q-"


class AnswerError(ValueError):
    """Posted answers that do not belong to the attempt (a forged or stale form)."""


def draw(bank, per_attempt, shuffle_options, rng):
    """Pick the questions of a new attempt: every must-pass one, the rest at random.

    Questions keep the bank's order (the author's teaching order); `per_attempt` 0 means all.
    """
    must = [q["id"] for q in bank if q.get("must")]
    others = [q["id"] for q in bank if not q.get("must")]
    count = len(bank) if not per_attempt else min(per_attempt, len(bank))
    picked = set(must) | set(rng.sample(others, max(0, min(count - len(must), len(others)))))
    drawn = []
    for q in bank:
        if q["id"] not in picked:
            continue
        order = list(range(len(q["options"])))
        if shuffle_options:
            rng.shuffle(order)
        drawn.append({"id": q["id"], "order": order})
    return drawn


def deadline(started_at, minutes):
    return started_at + timedelta(minutes=minutes) if minutes else None


def is_past_deadline(deadline_at, now):
    """Whether time is up, after the grace period."""
    return deadline_at is not None and now > deadline_at + GRACE


def is_multiple(question):
    return len(question["correct"]) > 1


def read_answers(items, drawn, bank, shown_ids=()):
    """Turn posted (name, value) pairs into {question id: sorted source positions}.

    Field names are "q-<question id>", values the display index of an option. Anything
    not in the attempt raises AnswerError. Questions in `shown_ids` that have no value
    posted were cleared by the learner (an unticked checkbox sends nothing).
    """
    orders = {q["id"]: q["order"] for q in drawn}
    answers = {qid: set() for qid in shown_ids if qid in orders}
    for name, value in items:
        if not name or not name.startswith(FIELD_PREFIX):  # a multipart part may have none
            continue
        qid = name[len(FIELD_PREFIX) :]
        if qid not in orders:
            raise AnswerError(f"question {qid!r} is not in this attempt")
        order = orders[qid]
        if not value.isdigit() or int(value) >= len(order):
            raise AnswerError(f"question {qid!r} has no option {value!r}")
        answers.setdefault(qid, set()).add(order[int(value)])
    result = {}
    for qid, chosen in answers.items():
        if len(chosen) > 1 and not is_multiple(bank[qid]):
            raise AnswerError(f"question {qid!r} takes one answer")
        result[qid] = sorted(chosen)
    return result


def is_right(question, chosen):
    """Single choice: the one right option; multiple choice: exactly the right set."""
    return sorted(set(chosen)) == sorted(question["correct"])


@dataclass(frozen=True)
class Grade:
    score: int  # percent of questions right, rounded down
    passed: bool
    right: dict = field(default_factory=dict)  # question id -> bool
    missed_must: tuple = ()


def grade(bank, question_ids, answers, pass_mark, must_ids):
    """Grade the questions of an attempt: a pass needs the mark and every must-pass right."""
    right = {qid: is_right(bank[qid], answers.get(qid, ())) for qid in question_ids}
    score = 100 * sum(right.values()) // len(question_ids) if question_ids else 0
    missed = tuple(qid for qid in must_ids if qid in right and not right[qid])
    return Grade(
        score=score, passed=score >= pass_mark and not missed, right=right, missed_must=missed
    )


def chosen_key(positions):
    """How an answer row stores the chosen source positions: "0,2"."""
    return ",".join(str(p) for p in sorted(positions))


def _items(bank, drawn, answers):
    """(drawn entry, question, chosen positions, fields both pages show) per question."""
    for number, q in enumerate(drawn, start=1):
        question = bank[q["id"]]
        chosen = set(answers.get(q["id"], ()))
        common = {
            "id": q["id"],
            "number": number,
            "text": question["text"],
            "prompt": question["prompt"],
            "multiple": is_multiple(question),
            "must": question.get("must", False),
        }
        yield q, question, chosen, common


def take_items(bank, drawn, answers):
    """What the take page may show: no correct markers, no explanations."""
    return [
        common
        | {
            "options": [
                (shown, question["options"][source], source in chosen)
                for shown, source in enumerate(q["order"])
            ]
        }
        for q, question, chosen, common in _items(bank, drawn, answers)
    ]


def review_items(bank, drawn, answers):
    """Every question of a submitted attempt with the learner's choice and the right one."""
    return [
        common
        | {
            "right": is_right(question, chosen),
            "answered": bool(chosen),
            "options": [
                (question["options"][source], source in chosen, source in question["correct"])
                for source in q["order"]
            ],
            "explanation": question["explanation"],
            "lesson": question.get("lesson"),
        }
        for q, question, chosen, common in _items(bank, drawn, answers)
    ]


def withhold(items, question_ids):
    """Review items with the answers of these questions kept back: no right option, no
    explanation, not even right or wrong (with two options, "wrong" tells the answer)."""
    return [
        item
        | {
            "withheld": True,
            "right": None,
            "options": [(html, chosen, False) for html, chosen, _ in item["options"]],
            "explanation": "",
            "lesson": None,
        }
        if item["id"] in question_ids
        else item
        for item in items
    ]
