"""Quiz pages: rules, the answer sheet (no leaks), saving, submitting once, results, stats."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from portal.database import utcnow
from portal.quizzes import services
from portal.quizzes.models import Attempt, AttemptAnswer, AttemptGrant
from tests.courses.sample import QUIZ


def text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def learner(make_user, tree, login):
    return login(make_user("learner", tree["hamlet"]))


def start(client, slug="duoi-nuoc", kind="quiz"):
    r = client.post(f"/courses/{slug}/{kind}/start")
    assert r.status_code == 302, r.status_code
    attempt_id = int(r.headers["Location"].rsplit("/", 1)[1])
    return _get(attempt_id)


def _get(attempt_id):
    from portal.extensions import db

    db.session.expire_all()
    return db.session.get(Attempt, attempt_id)


def display_index(attempt, qid, source_positions):
    order = next(q["order"] for q in attempt.questions if q["id"] == qid)
    return [str(order.index(p)) for p in source_positions]


def right_form(attempt, **extra):
    bank = services.get_bank(attempt)
    form = [("page", "1")]
    for qid in attempt.question_ids:
        form += [(f"q-{qid}", v) for v in display_index(attempt, qid, bank[qid]["correct"])]
    return MultiDict(form + list(extra.items()))


def test_course_page_links_to_the_quizzes(client, course):
    page = text(client.get("/courses/duoi-nuoc/"))
    assert "/courses/duoi-nuoc/quiz" in page and "/courses/duoi-nuoc/pre-quiz" in page


def test_overview_explains_the_rules_before_starting(client, course, learner):
    page = text(client.get("/courses/duoi-nuoc/quiz"))
    assert "Mỗi lần làm có 2 câu hỏi" in page
    assert "Điểm đạt: từ 80% số câu đúng" in page
    assert "Có 1 câu đánh dấu ★ bắt buộc phải đúng" in page
    assert "Không giới hạn thời gian" in page and "Bạn được làm lại nhiều lần" in page
    assert "Bắt đầu làm bài" in page and "Bạn chưa làm bài này lần nào" in page


def test_overview_explains_limits(client, publish, learner):
    publish(quiz={"max_attempts": 2, "cooldown_minutes": 15, "time_limit_minutes": 20})
    page = text(client.get("/courses/duoi-nuoc/quiz"))
    assert "Thời gian làm bài: 20 phút" in page
    assert "Số lần làm bài trong đợt này: 2, bạn còn 2 lần" in page
    assert "cần chờ 15 phút" in page


def test_pre_test_page_says_it_never_gates(client, course, learner):
    page = text(client.get("/courses/duoi-nuoc/pre-quiz"))
    assert "không ảnh hưởng đến việc hoàn thành" in page
    attempt = start(client, kind="pre-quiz")
    assert attempt.kind == "pre" and attempt.question_ids == ["pre-age"]


def test_a_pre_test_keeps_back_the_answers_the_final_quiz_asks_too(client, publish, learner):
    from tests.courses.sample import PRE_QUIZ, QUIZ

    shared = QUIZ.split("---\n", 2)[2].split("## Nên che", 1)[0]  # first-action, reused
    shared = shared.replace(" {must}", "")  # a pre-test never gates
    publish(**{"pre-quiz.md": PRE_QUIZ + "\n" + shared})
    pre = start(client, kind="pre-quiz")
    client.post(f"/courses/duoi-nuoc/attempts/{pre.id}/submit", data={"q-pre-age": "0"})
    review = text(client.get(f"/courses/duoi-nuoc/attempts/{pre.id}"))
    kept = review.split("Khi trẻ được vớt lên", 1)[1]
    assert "Đáp án xem sau bài kiểm tra cuối khóa" in kept
    assert "đáp án đúng" not in kept and "Dốc ngược trẻ làm mất thời gian quý" not in kept
    asked_only_before = review.split("Khi trẻ được vớt lên", 1)[0]
    assert "Trẻ nhỏ đuối nước ngay trong nhà" in asked_only_before  # its explanation shows
    final = start(client)
    client.post(f"/courses/duoi-nuoc/attempts/{final.id}/submit", data={})
    review = text(client.get(f"/courses/duoi-nuoc/attempts/{pre.id}"))
    assert "Dốc ngược trẻ làm mất thời gian quý" in review  # seen in the final's review


def test_missing_quiz_or_course_is_404(client, publish, learner):
    publish(**{"pre-quiz.md": None})
    assert client.get("/courses/duoi-nuoc/pre-quiz").status_code == 404
    assert client.post("/courses/duoi-nuoc/pre-quiz/start").status_code == 404
    assert client.get("/courses/khong-co/quiz").status_code == 404


def test_start_then_resume(client, course, learner):
    first = start(client)
    assert start(client).id == first.id
    page = text(client.get("/courses/duoi-nuoc/quiz"))
    assert "Làm tiếp bài đang làm" in page and f"/attempts/{first.id}" in page


def test_take_page_is_a_form_of_fieldsets_with_labels(client, course, learner):
    attempt = start(client)
    page = text(client.get(f"/courses/duoi-nuoc/attempts/{attempt.id}"))
    assert page.count("<fieldset") == 2 and page.count("<legend>") == 2
    assert 'type="radio"' in page  # first-action is single choice
    for input_id in re.findall(r'<input type="(?:radio|checkbox)" id="([^"]+)"', page):
        assert f'<label class="choice" for="{input_id}">' in page
    assert f'formaction="/courses/duoi-nuoc/attempts/{attempt.id}/submit"' in page


def test_take_page_leaks_no_answers(client, publish, learner):
    publish(quiz={"questions_per_attempt": 3})
    attempt = start(client)
    page = text(client.get(f"/courses/duoi-nuoc/attempts/{attempt.id}"))
    for explanation in (
        "Dốc ngược trẻ làm mất thời gian quý",
        "Trẻ nhỏ có thể ngã vào lu",
        "115 là cấp cứu y tế",
    ):
        assert explanation not in page
    assert "correct" not in page.lower() and "bạn chọn" not in page
    assert "Thổi ngạt và gọi 115" in page  # the options themselves are there
    for qid in attempt.question_ids:
        n = len(services.get_bank(attempt)[qid]["options"])
        values = re.findall(rf'name="q-{qid}" value="([^"]*)"', page)
        assert values == [str(i) for i in range(n)]  # display positions, nothing else


def test_save_stores_source_positions_and_reload_shows_them(client, course, learner):
    attempt = start(client)
    shown = display_index(attempt, "first-action", [2])
    r = client.post(
        f"/courses/duoi-nuoc/attempts/{attempt.id}/save",
        data={"page": "1", "go": "1", "q-first-action": shown},
    )
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/attempts/{attempt.id}?page=1")
    assert _get(attempt.id).answers["first-action"] == [2]
    page = text(client.get(f"/courses/duoi-nuoc/attempts/{attempt.id}"))
    assert re.search(rf'name="q-first-action" value="{shown[0]}" checked', page)
    assert "Đã lưu câu trả lời" in page
    # Unticking everything on the page clears it.
    client.post(f"/courses/duoi-nuoc/attempts/{attempt.id}/save", data={"page": "1"})
    assert "first-action" not in _get(attempt.id).answers


@pytest.mark.parametrize("action", ["save", "submit"])
@pytest.mark.parametrize(
    "field,value", [("q-not-drawn", "0"), ("q-first-action", "7"), ("q-first-action", "a")]
)
def test_foreign_questions_and_options_are_refused(client, course, learner, action, field, value):
    attempt = start(client)
    r = client.post(f"/courses/duoi-nuoc/attempts/{attempt.id}/{action}", data={field: value})
    assert r.status_code == 400
    stored = _get(attempt.id)
    assert stored.state == "open" and stored.answers == {}


def test_a_question_in_the_bank_but_not_drawn_is_refused(client, course, learner):
    attempt = start(client)
    other = {"cover", "emergency-number"} - set(attempt.question_ids)
    r = client.post(
        f"/courses/duoi-nuoc/attempts/{attempt.id}/save", data={f"q-{other.pop()}": "0"}
    )
    assert r.status_code == 400


def test_two_answers_to_a_single_choice_question_are_refused(client, course, learner):
    attempt = start(client)
    r = client.post(
        f"/courses/duoi-nuoc/attempts/{attempt.id}/save", data={"q-first-action": ["0", "1"]}
    )
    assert r.status_code == 400


def test_submit_shows_the_result_with_review(client, course, learner):
    attempt = start(client)
    r = client.post(f"/courses/duoi-nuoc/attempts/{attempt.id}/submit", data=right_form(attempt))
    assert r.status_code == 302
    page = text(client.get(r.headers["Location"]))
    assert "Điểm của bạn: 100%" in page and "Đạt" in page
    assert "Dốc ngược trẻ làm mất thời gian quý" in page  # explanations after submission
    assert "đáp án đúng" in page and "bạn chọn" in page
    assert "Nên đọc lại" not in page


def test_a_failed_result_points_to_the_lessons_to_reread(client, course, learner):
    attempt = start(client)
    wrong = display_index(attempt, "first-action", [0])
    r = client.post(
        f"/courses/duoi-nuoc/attempts/{attempt.id}/submit", data={"q-first-action": wrong}
    )
    page = text(client.get(r.headers["Location"]))
    assert "Chưa đạt" in page and "câu bắt buộc (★)" in page
    assert "Nên đọc lại" in page and 'href="/courses/duoi-nuoc/so-cuu"' in page


def test_double_submit_gives_one_result(client, course, learner, db):
    attempt = start(client)
    url = f"/courses/duoi-nuoc/attempts/{attempt.id}/submit"
    first = client.post(url, data=right_form(attempt))
    second = client.post(url, data={"q-first-action": "0"})
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _get(attempt.id).score == 100
    count = db.session.scalar(select(func.count()).select_from(AttemptAnswer))
    assert count == 2
    r = client.post(f"/courses/duoi-nuoc/attempts/{attempt.id}/save", data={"q-first-action": "0"})
    assert r.status_code == 302 and "đã nộp" in text(client.get(r.headers["Location"]))


def test_new_attempt_after_submitting(client, course, learner):
    first = start(client)
    client.post(f"/courses/duoi-nuoc/attempts/{first.id}/submit")
    second = start(client)
    assert second.id != first.id
    page = text(client.get("/courses/duoi-nuoc/quiz"))
    assert "Xem lại" in page and "Làm tiếp" in page


def expire(db, attempt_id, minutes_ago=30):
    attempt = db.session.get(Attempt, attempt_id)
    attempt.started_at = utcnow() - timedelta(minutes=minutes_ago)
    attempt.deadline_at = attempt.started_at + timedelta(minutes=10)
    attempt.time_limit_minutes = 10
    db.session.commit()


def test_opening_an_attempt_after_its_deadline_grades_it(client, course, learner, db):
    attempt = start(client)
    client.post(
        f"/courses/duoi-nuoc/attempts/{attempt.id}/save",
        data={"q-first-action": display_index(attempt, "first-action", [1])},
    )
    expire(db, attempt.id)
    page = text(client.get(f"/courses/duoi-nuoc/attempts/{attempt.id}"))
    assert "Hết giờ làm bài" in page and "Điểm của bạn: 50%" in page
    assert _get(attempt.id).state == "submitted"


def test_saving_after_the_deadline_is_refused_clearly(client, course, learner, db):
    attempt = start(client)
    expire(db, attempt.id)
    r = client.post(
        f"/courses/duoi-nuoc/attempts/{attempt.id}/save",
        data={"q-first-action": display_index(attempt, "first-action", [1])},
    )
    assert r.status_code == 302
    page = text(client.get(r.headers["Location"]))
    assert "Đã hết giờ làm bài nên câu trả lời mới không được lưu" in page
    stored = _get(attempt.id)
    assert stored.state == "submitted" and stored.answers == {} and stored.score == 0


def test_take_page_shows_the_time_left(client, publish, learner):
    publish(quiz={"time_limit_minutes": 20})
    attempt = start(client)
    page = text(client.get(f"/courses/duoi-nuoc/attempts/{attempt.id}"))
    assert "Còn khoảng 20 phút" in page


def test_limits_refuse_a_start_with_a_message(client, publish, learner):
    publish(quiz={"max_attempts": 1})
    attempt = start(client)
    client.post(f"/courses/duoi-nuoc/attempts/{attempt.id}/submit")
    r = client.post("/courses/duoi-nuoc/quiz/start")
    assert r.status_code == 302 and r.headers["Location"].endswith("/courses/duoi-nuoc/quiz")
    assert "dùng hết số lần làm bài" in text(client.get("/courses/duoi-nuoc/quiz"))


def long_quiz(n=12):
    head = "---\nquestions_per_attempt: 0\nshuffle_options: false\n---\n"
    body = "".join(
        f"\n## Câu số {i} {{#q{i}}}\n\n- [x] Đúng {i}\n- [ ] Sai {i}\n\n> Vì {i}.\n"
        for i in range(n)
    )
    return head + body


def test_long_quizzes_are_paged_and_saved_per_page(client, publish, learner):
    publish(**{"quiz.md": long_quiz()})
    attempt = start(client)
    url = f"/courses/duoi-nuoc/attempts/{attempt.id}"
    page1 = text(client.get(url))
    assert page1.count("<fieldset") == 10 and "Trang 1/2" in page1
    r = client.post(url + "/save", data={"page": "1", "go": "2", "q-q0": "0", "q-q9": "1"})
    assert r.headers["Location"].endswith("?page=2")
    page2 = text(client.get(r.headers["Location"]))
    assert page2.count("<fieldset") == 2 and "Đã trả lời 2/12 câu" in page2
    client.post(url + "/save", data={"page": "2", "go": "2", "q-q11": "0"})
    assert _get(attempt.id).answers == {"q0": [0], "q9": [1], "q11": [0]}
    r = client.post(url + "/submit", data={"page": "2", "q-q11": "0", "q-q10": "0"})
    assert _get(attempt.id).score == 100 * 3 // 12


def test_others_attempts_are_404_for_everyone(client, course, make_user, tree, login):
    owner = login(make_user("learner", tree["hamlet"]))
    attempt = start(client)
    assert owner.id == attempt.user_id
    for intruder in (
        make_user("learner", tree["hamlet"]),
        make_user("trainer", tree["commune"]),
        make_user("admin", None, position=None),
    ):
        login(intruder)
        base = f"/courses/duoi-nuoc/attempts/{attempt.id}"
        assert client.get(base).status_code == 404
        assert client.post(base + "/save", data={"q-first-action": "0"}).status_code == 404
        assert client.post(base + "/submit").status_code == 404
    assert _get(attempt.id).state == "open" and _get(attempt.id).answers == {}


def test_an_attempt_belongs_to_its_course_url(client, publish, learner):
    publish()
    publish(slug="khac")
    attempt = start(client)
    assert client.get(f"/courses/khac/attempts/{attempt.id}").status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, course):
    r = client.get("/courses/duoi-nuoc/quiz")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_stats_page_for_trainers(client, course, make_user, tree, login, db):
    learner = make_user("learner", tree["hamlet"])
    attempt, _ = services.start_attempt(learner, course)
    services.submit_attempt(attempt, learner, course, answers={"first-action": [0]})
    db.session.commit()
    login(make_user("trainer", tree["commune"]))
    page = text(client.get("/courses/duoi-nuoc/stats"))
    assert "Thống kê bài kiểm tra" in page and "Tỷ lệ đạt" in page
    assert "first-action" in page and "Câu hỏi khó" in page
    assert "Phương án sai được chọn" in page and "Dốc ngược trẻ" in page
    login(make_user("manager", tree["province"]))
    page = text(client.get("/courses/duoi-nuoc/stats"))
    assert "first-action" in page and "Tỷ lệ đạt" in page
    assert "Phương án sai được chọn" not in page and "Dốc ngược trẻ" not in page
    login(make_user("learner", tree["hamlet"]))
    assert client.get("/courses/duoi-nuoc/stats").status_code == 403


def test_stats_page_masks_small_counts_for_parents(client, publish, make_user, tree, login, db):
    from tests.courses.sample import COURSE_MD

    course = publish(**{"course.md": COURSE_MD.replace("[staff, collaborator]", "[parent]")})
    learner = make_user("learner", tree["hamlet"], position="parent")
    attempt, _ = services.start_attempt(learner, course)
    services.submit_attempt(attempt, learner, course)
    db.session.commit()
    login(make_user("trainer", tree["commune"]))
    page = text(client.get("/courses/duoi-nuoc/stats"))
    assert "<dd>&lt;5</dd>" in page and "số dưới 5" in page


@pytest.fixture
def blocked(publish, make_user, tree, db):
    course = publish(quiz={"max_attempts": 1})
    learner = make_user("learner", tree["hamlet"], name="Lê Thị Hồng")
    attempt, _ = services.start_attempt(learner, course)
    services.submit_attempt(attempt, learner, course)
    db.session.commit()
    return learner


def test_trainer_grants_extra_attempts(client, blocked, make_user, tree, login, db):
    login(make_user("trainer", tree["commune"]))
    page = text(client.get("/courses/duoi-nuoc/stats"))
    assert "Lê Thị Hồng" in page and "Cho thêm lượt" in page
    r = client.post(
        "/courses/duoi-nuoc/quiz/grant",
        data={"user_id": str(blocked.id), "extra": "2", "reason": "Mất mạng"},
    )
    assert r.status_code == 302
    grant = db.session.scalar(select(AttemptGrant))
    assert (grant.user_id, grant.extra, grant.reason, grant.cycle) == (blocked.id, 2, "Mất mạng", 1)
    page = text(client.get("/courses/duoi-nuoc/stats"))
    assert "Đã cho Lê Thị Hồng thêm 2 lượt" in page and "Không có ai." in page


@pytest.mark.parametrize(
    "data",
    [{"extra": "0", "reason": "x"}, {"extra": "2", "reason": ""}, {"extra": "99", "reason": "x"}],
)
def test_bad_grants_are_shown_with_a_400(client, blocked, make_user, tree, login, db, data):
    login(make_user("trainer", tree["commune"]))
    r = client.post("/courses/duoi-nuoc/quiz/grant", data={"user_id": str(blocked.id), **data})
    assert r.status_code == 400 and 'class="error"' in text(r)
    assert db.session.scalar(select(func.count()).select_from(AttemptGrant)) == 0


def test_grants_outside_scope_are_404(client, blocked, make_user, tree, login, db):
    login(make_user("trainer", tree["other"]))
    r = client.post(
        "/courses/duoi-nuoc/quiz/grant",
        data={"user_id": str(blocked.id), "extra": "1", "reason": "x"},
    )
    assert r.status_code == 404
    login(make_user("manager", tree["commune"]))
    r = client.post(
        "/courses/duoi-nuoc/quiz/grant",
        data={"user_id": str(blocked.id), "extra": "1", "reason": "x"},
    )
    assert r.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(AttemptGrant)) == 0


def test_quiz_sample_has_the_ids_these_tests_use():
    assert "{#first-action}" in QUIZ and "{#cover}" in QUIZ


def test_quiz_page_lists_the_latest_attempts_and_all_on_request(client, course, learner):
    for _ in range(12):
        attempt = start(client)
        client.post(f"/courses/duoi-nuoc/attempts/{attempt.id}/submit")
    page = text(client.get("/courses/duoi-nuoc/quiz"))
    assert page.count("Xem lại</a>") == 10
    assert "10 lần gần nhất trong 12 lần" in page and "?all=1" in page
    everything = text(client.get("/courses/duoi-nuoc/quiz?all=1"))
    assert everything.count("Xem lại</a>") == 12 and "lần gần nhất" not in everything


def test_quiz_page_grades_an_open_attempt_whose_time_is_up(client, course, learner, db):
    attempt = start(client)
    expire(db, attempt.id)
    page = text(client.get("/courses/duoi-nuoc/quiz"))
    assert _get(attempt.id).state == "submitted"
    assert "Làm tiếp" not in page and "Xem lại" in page
