"""A parent signs up on a phone, signs out, signs in with +84, and switches to English."""

import pytest

from portal.accounts.models import User
from portal.extensions import db

pytestmark = pytest.mark.e2e

PASSWORD = "con mèo nhà tôi tên mướp"


def test_parent_registers_logs_out_logs_in_with_84_and_switches_language(
    portal_server, phone_page, screenshot
):
    app, base = portal_server.app, portal_server.url
    page = phone_page

    page.goto(f"{base}/register")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.get_by_label("Họ và tên").fill("Nguyễn Thị Lan")
    page.get_by_label("Số điện thoại (hoặc thư điện tử)").fill("0912 345 678")
    page.get_by_label("Xã, phường nơi bạn sống").select_option(label="Xã Hòa Bình")
    screenshot("01-register-commune")
    page.get_by_role("button", name="Chọn xã này").click()

    hamlet = page.get_by_label("Thôn, ấp, tổ dân phố")
    hamlet.select_option(label="Ấp Cây Me")
    assert page.get_by_label("Họ và tên").input_value() == "Nguyễn Thị Lan"
    page.get_by_label("Tôi đã đọc và đồng ý").check()
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    screenshot("02-register-hamlet")
    # The phone keyboard's Enter signs up, now that the commune is chosen (not "Tìm").
    page.get_by_label("Mật khẩu").press("Enter")
    page.wait_for_url(f"{base}/")
    assert page.get_by_text("Chào mừng bạn!").is_visible()
    screenshot("03-registered")

    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(f"{base}/")
    assert page.get_by_role("link", name="Đăng nhập").is_visible()

    page.get_by_role("link", name="Đăng nhập").click()
    page.get_by_label("Số điện thoại hoặc thư điện tử").fill("+84 912 345 678")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    screenshot("04-login")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/")
    assert page.get_by_role("link", name="Tài khoản").is_visible()

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot("05-english")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "the page must fit a 360 px screen without sideways scrolling"

    with app.app_context():
        user = db.session.query(User).one()
        assert (user.phone, user.position, user.locale) == ("0912345678", "parent", "en")
        assert user.unit.name == "Ấp Cây Me"
        db.session.remove()
