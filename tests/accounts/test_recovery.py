"""Password reset by e-mail link: no enumeration, single use, expires."""

import pytest

from portal.accounts import services


@pytest.fixture
def smtp(app, monkeypatch):
    sent = []
    monkeypatch.setitem(app.config, "SMTP_HOST", "smtp.example.vn")
    monkeypatch.setattr(
        "portal.mail.send", lambda config, to, subject, body: sent.append((to, body))
    )
    return sent


def test_without_smtp_the_page_points_to_a_trainer(client):
    r = client.get("/password/forgot")
    assert r.status_code == 200 and "cấp mã đặt lại mật khẩu" in r.get_data(as_text=True)


def test_reset_by_link(client, smtp, make_user, db):
    user = make_user(email="lan@example.vn")
    r = client.post("/password/forgot", data={"email": "LAN@example.vn"})
    assert r.status_code == 302 and smtp == []  # the answer first, in the same time
    r.close()  # the server has sent the answer: now the e-mail goes out
    unknown = client.post("/password/forgot", data={"email": "ai@example.vn"}, buffered=True)
    assert unknown.status_code == 302  # the same answer: no enumeration
    assert [to for to, _ in smtp] == ["lan@example.vn"]
    link = (
        smtp[0][1].split("\n")[0].split()[-1]
        if "http" in smtp[0][1].split("\n")[0]
        else [w for w in smtp[0][1].split() if w.startswith("http")][0]
    )
    path = link.split("://", 1)[1].split("/", 1)[1]
    r = client.post(
        "/" + path, data={"new_password": "mat khau moi cua lan", "confirm": "mat khau moi cua lan"}
    )
    assert r.status_code == 302
    assert (
        services.authenticate("lan@example.vn", "mat khau moi cua lan", address="1.1.1.1").user.id
        == user.id
    )
    again = client.post(
        "/" + path, data={"new_password": "mot lan nua thoi nhe", "confirm": "mot lan nua thoi nhe"}
    )
    assert again.status_code == 400  # used: the password change ended the token


def test_forged_token_is_400(client):
    assert client.get("/password/reset/abc.def.ghi").status_code == 400


def test_a_mail_server_that_fails_after_the_answer_is_only_logged(
    app, client, make_user, monkeypatch, caplog
):
    def refuse(*_args):
        raise OSError("connection refused")

    monkeypatch.setitem(app.config, "SMTP_HOST", "smtp.example.vn")
    monkeypatch.setattr("portal.mail.send", refuse)
    make_user(email="lan@example.vn")
    r = client.post("/password/forgot", data={"email": "lan@example.vn"}, buffered=True)
    assert r.status_code == 302 and "reset e-mail not sent: OSError" in caplog.text
