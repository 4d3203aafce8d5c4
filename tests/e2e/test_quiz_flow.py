"""A learner on a phone with JavaScript off reads a course, takes, resumes, submits and
reviews its final quiz (issue: quizzes, "done when")."""

import pytest
from werkzeug.security import generate_password_hash

from portal.accounts.models import User
from portal.courses import publishing
from portal.extensions import db
from portal.orgs.models import Unit
from portal.quizzes.models import Attempt
from tests.courses.sample import write_course

pytestmark = pytest.mark.e2e

PASSWORD = "nước sông nước ao"
RIGHT = {"Thổi ngạt và gọi 115", "Lu nước", "Bể nước", "115"}


@pytest.fixture
def learner_and_course(portal_server, tmp_path):
    with portal_server.app.app_context():
        write_course(tmp_path / "content")
        assert all(o != "failed" for _, o, _ in publishing.sync_content(tmp_path / "content"))
        hamlet = db.session.query(Unit).filter_by(code="98001-01").one()
        db.session.add(
            User(
                full_name="Trần Văn Bình",
                name_folded="tran van binh",
                phone="0987654321",
                password_hash=generate_password_hash(PASSWORD),
                role="learner",
                position="collaborator",
                unit_id=hamlet.id,
            )
        )
        db.session.commit()
        db.session.remove()


@pytest.fixture
def no_js_page(browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="vi-VN", java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_learner_takes_resumes_submits_and_reviews_without_javascript(
    portal_server, learner_and_course, no_js_page
):
    base, page = portal_server.url, no_js_page

    page.goto(f"{base}/login")
    page.get_by_label("Số điện thoại hoặc thư điện tử").fill("0987654321")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    # Read both lessons
    page.goto(f"{base}/courses/duoi-nuoc/vi-sao")
    page.get_by_role("button", name="Tôi đã học xong bài này, học bài tiếp").click()
    page.get_by_role("button", name="Tôi đã học xong bài này").click()

    # Start the final quiz; the page carries no hint of the right answers
    page.goto(f"{base}/courses/duoi-nuoc/quiz")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    assert "/attempts/" in page.url
    html = page.content()
    assert "Dốc ngược trẻ làm mất thời gian quý" not in html  # an explanation
    assert "correct" not in html.lower()
    assert fits(page)

    # Answer one question, save, leave and come back: the answer is still there
    questions = page.locator("fieldset.question")
    assert questions.count() == 2
    first = questions.nth(0)
    first_text = first.locator("legend").inner_text()
    choice = next(
        label for label in first.locator("label.choice").all() if label.inner_text() in RIGHT
    )
    choice.click()
    page.get_by_role("button", name="Lưu câu trả lời").click()
    attempt_url = page.url.split("?")[0]
    page.goto(f"{base}/courses/duoi-nuoc/quiz")
    page.get_by_role("link", name="Làm tiếp bài đang làm").click()
    assert page.url.split("?")[0] == attempt_url
    again = page.locator("fieldset.question").nth(0)
    assert again.locator("legend").inner_text() == first_text
    assert again.locator("input:checked").count() >= 1

    # Answer the rest right and submit
    for label in page.locator("fieldset.question").nth(1).locator("label.choice").all():
        box = label.locator("input")
        if (label.inner_text() in RIGHT) != box.is_checked():
            label.click()
    page.get_by_role("button", name="Nộp bài").click()

    # The result: score, pass, and the review with the explanations
    assert page.get_by_role("heading", name="Kết quả bài kiểm tra cuối khóa").is_visible()
    assert "Điểm của bạn: 100%" in page.content()
    assert page.get_by_role("heading", name="Xem lại từng câu").is_visible()
    assert fits(page)

    with portal_server.app.app_context():
        attempt = db.session.query(Attempt).one()
        assert (attempt.state, attempt.score, attempt.passed) == ("submitted", 100, True)
        db.session.remove()
