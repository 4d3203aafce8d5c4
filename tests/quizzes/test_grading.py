"""Drawing, reading answers and grading: pure functions, no database."""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from portal.quizzes import grading


def q(qid, n_options=3, correct=(0,), must=False, lesson=None):
    return {
        "id": qid,
        "text": f"<p>{qid}?</p>",
        "prompt": "",
        "options": [f"option {qid} {i}" for i in range(n_options)],
        "correct": list(correct),
        "explanation": f"because {qid}",
        "must": must,
        "lesson": lesson,
    }


BANK = [
    q("a", must=True),
    q("b", correct=(0, 2)),
    q("c", n_options=2, correct=(1,)),
    q("d", n_options=4, correct=(3,), must=True),
    q("e"),
    q("f"),
]
BY_ID = {x["id"]: x for x in BANK}


def test_draw_counts_and_always_includes_must_pass():
    rng = random.Random(1)
    for _ in range(200):
        drawn = grading.draw(BANK, 3, False, rng)
        ids = [d["id"] for d in drawn]
        assert len(ids) == 3 and len(set(ids)) == 3
        assert {"a", "d"} <= set(ids)
        assert ids == [x["id"] for x in BANK if x["id"] in ids]  # the author's order


def test_draw_zero_means_the_whole_bank():
    drawn = grading.draw(BANK, 0, False, random.Random(1))
    assert [d["id"] for d in drawn] == [x["id"] for x in BANK]
    assert all(d["order"] == list(range(len(BY_ID[d["id"]]["options"]))) for d in drawn)


def test_draw_is_random_among_the_others():
    rng = random.Random(2)
    seen = Counter(d["id"] for _ in range(400) for d in grading.draw(BANK, 3, False, rng))
    assert seen["a"] == seen["d"] == 400
    assert all(seen[x] > 50 for x in "bcef")


def test_draw_shuffles_options_only_when_asked():
    rng = random.Random(3)
    orders = {tuple(grading.draw(BANK, 0, True, rng)[3]["order"]) for _ in range(100)}
    assert len(orders) > 5 and all(sorted(o) == [0, 1, 2, 3] for o in orders)
    assert all(d["order"] == sorted(d["order"]) for d in grading.draw(BANK, 0, False, rng))


def test_draw_works_with_system_random():
    import secrets

    drawn = grading.draw(BANK, 4, True, secrets.SystemRandom())
    assert len(drawn) == 4 and {"a", "d"} <= {d["id"] for d in drawn}


DRAWN = [{"id": "a", "order": [2, 0, 1]}, {"id": "b", "order": [1, 2, 0]}]


def test_read_answers_maps_display_index_to_source_position():
    items = [("csrf_token", "x"), ("q-a", "1"), ("q-b", "0"), ("q-b", "1"), ("page", "1")]
    assert grading.read_answers(items, DRAWN, BY_ID) == {"a": [0], "b": [1, 2]}


def test_read_answers_clears_shown_questions_left_empty():
    assert grading.read_answers([("q-a", "0")], DRAWN, BY_ID, shown_ids=["a", "b"]) == {
        "a": [2],
        "b": [],
    }


@pytest.mark.parametrize(
    "items",
    [
        [("q-c", "0")],  # a question of the bank that was not drawn
        [("q-zzz", "0")],
        [("q-a", "3")],  # no such option
        [("q-a", "-1")],
        [("q-a", "x")],
        [("q-a", "")],
        [("q-a", "0"), ("q-a", "1")],  # two answers to a single-choice question
    ],
)
def test_read_answers_refuses_what_is_not_in_the_attempt(items):
    with pytest.raises(grading.AnswerError):
        grading.read_answers(items, DRAWN, BY_ID)


def test_single_choice_is_right_or_wrong():
    assert grading.is_right(BY_ID["a"], [0])
    assert not grading.is_right(BY_ID["a"], [1])
    assert not grading.is_right(BY_ID["a"], [])


def test_multiple_choice_is_all_or_nothing():
    assert grading.is_right(BY_ID["b"], [2, 0])
    assert not grading.is_right(BY_ID["b"], [0])
    assert not grading.is_right(BY_ID["b"], [0, 1, 2])


def test_score_is_rounded_down():
    ids = ["a", "b", "c"]
    result = grading.grade(BY_ID, ids, {"a": [0], "b": [0, 2]}, 60, [])
    assert result.score == 66 and result.passed
    assert result.right == {"a": True, "b": True, "c": False}


def test_pass_needs_the_mark():
    result = grading.grade(BY_ID, ["a", "b", "c"], {"a": [0], "b": [0, 2]}, 67, [])
    assert result.score == 66 and not result.passed


def test_a_missed_must_pass_question_fails_whatever_the_score():
    ids = ["a", "b", "c", "e", "f"]
    answers = {"a": [1], "b": [0, 2], "c": [1], "e": [0], "f": [0]}
    result = grading.grade(BY_ID, ids, answers, 80, ["a", "d"])
    assert result.score == 80 and not result.passed and result.missed_must == ("a",)
    answers["a"] = [0]
    assert grading.grade(BY_ID, ids, answers, 80, ["a", "d"]).passed


def test_empty_attempt_scores_zero():
    assert grading.grade(BY_ID, [], {}, 0, []).score == 0


def test_deadline_and_grace():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = grading.deadline(start, 10)
    assert end == start + timedelta(minutes=10)
    assert grading.deadline(start, 0) is None
    assert not grading.is_past_deadline(end, end + timedelta(seconds=30))
    assert grading.is_past_deadline(end, end + timedelta(seconds=31))
    assert not grading.is_past_deadline(None, end + timedelta(days=9))


def test_take_items_carry_no_answers_or_explanations():
    items = grading.take_items(BY_ID, DRAWN, {"b": [2]})
    text = repr(items)
    assert "because" not in text and "correct" not in text
    assert items[0]["options"][0] == (0, "option a 2", False)
    assert items[1]["options"][1] == (1, "option b 2", True) and items[1]["multiple"]


def test_review_items_show_choice_answer_and_explanation():
    items = grading.review_items(BY_ID, DRAWN, {"a": [1]})
    assert items[0]["options"] == [
        ("option a 2", False, False),
        ("option a 0", False, True),
        ("option a 1", True, False),
    ]
    assert not items[0]["right"] and items[0]["explanation"] == "because a"
    assert not items[1]["answered"]


def test_chosen_key():
    assert grading.chosen_key([2, 0]) == "0,2" and grading.chosen_key([]) == ""


def test_withhold_keeps_back_answers_explanations_and_right_or_wrong():
    items = [
        {"id": "a", "right": False, "options": [("x", True, False), ("y", False, True)],
         "explanation": "vì y", "lesson": "bai-1"},
        {"id": "b", "right": True, "options": [("z", True, True)], "explanation": "z",
         "lesson": None},
    ]  # fmt: skip
    kept, shown = grading.withhold(items, {"a"})
    assert kept["withheld"] and kept["right"] is None and kept["explanation"] == ""
    assert kept["options"] == [("x", True, False), ("y", False, False)] and kept["lesson"] is None
    assert shown == items[1]
