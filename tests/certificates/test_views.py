"""Pages and files: my certificates, PDF, credential, public check, trainers' list."""

import io
import re

import pytest
from pypdf import PdfReader

from portal.certificates import codes, credentials
from portal.certificates.models import Certificate


@pytest.fixture
def issued(course, complete, make_user, tree):
    holder = make_user(unit=tree["hamlet"], name="Phạm Thị Ngọc Ánh")
    return holder, complete(holder, course)


def text(r):
    return r.get_data(as_text=True)


def test_my_certificates_page(client, login, issued):
    holder, cert = issued
    login(holder)
    page = text(client.get("/certificates/"))
    assert codes.display(cert.code) in page and "Còn hiệu lực" in page and "còn 36" in page


def test_pdf_has_the_name_with_every_diacritic(client, login, issued):
    holder, cert = issued
    login(holder)
    r = client.get(f"/certificates/{codes.display(cert.code)}.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.headers["Cache-Control"] == "no-store"
    extracted = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    assert "Phạm Thị Ngọc Ánh" in extracted
    assert codes.display(cert.code) in extracted
    assert "Phòng, chống đuối nước cho trẻ em" in extracted


def test_hostile_names_are_harmless_in_pdf_page_and_credential(
    client, login, course, complete, make_user, tree
):
    name = (
        '=HYPERLINK("http://x")<script>alert(1)</script> Ỷ ' + "Dài" * 45
    )  # 200 characters at most, like the forms
    holder = make_user(unit=tree["hamlet"], name=name)
    cert = complete(holder, course)
    login(holder)
    r = client.get(f"/certificates/{cert.code}.pdf")
    assert r.status_code == 200
    page = text(client.get("/certificates/"))
    assert "<script>alert(1)" not in page
    data = client.get(f"/certificates/{cert.code}.json").json
    assert data["credential"]["credentialSubject"]["name"] == name


def test_credential_download_verifies_offline(app, client, login, issued):
    holder, cert = issued
    login(holder)
    data = client.get(f"/certificates/{cert.code}.json").json
    public = credentials.public_key_from(client.get("/credentials/issuer").json["publicKeyJwk"])
    claims = credentials.verify(data["jwt"], public)
    assert claims["vc"]["credentialSubject"]["name"] == "Phạm Thị Ngọc Ánh"
    assert client.get(f"/credentials/{cert.code}.jwt").get_data(as_text=True) == data["jwt"]


def test_status_list_shows_revocation(app, client, issued, db, make_user):
    holder, cert = issued
    from portal.certificates import services

    services.revoke_certificate(cert, make_user("admin"), "sai sót")
    db.session.commit()
    token = client.get("/credentials/status").get_data(as_text=True)
    claims = credentials.verify(token, credentials.public_key_of(app.config["SIGNING_KEY"]))
    assert credentials.is_revoked_in(claims, cert.status_index)


def test_files_are_404_for_others(client, login, issued, make_user, tree):
    holder, cert = issued
    for user in (make_user(unit=tree["hamlet"]), make_user("trainer", tree["other"])):
        login(user)
        for url in (
            f"/certificates/{cert.code}.pdf",
            f"/certificates/{cert.code}.json",
            f"/credentials/{cert.code}.jwt",
        ):
            assert client.get(url).status_code == 404
    login(make_user("trainer", tree["commune"]))
    assert client.get(f"/certificates/{cert.code}.pdf").status_code == 200
    assert client.get("/certificates/AAAA-AAAA-AAAA-AAAA.pdf").status_code == 404


def test_public_check_shows_only_what_an_inspector_needs(client, issued):
    holder, cert = issued
    r = client.get(f"/verify/{codes.display(cert.code)}")
    page = text(r)
    assert r.status_code == 200
    assert "CÒN HIỆU LỰC" in page and "Phạm T. N. Á." in page
    assert "Phạm Thị Ngọc Ánh" not in page
    # The score must not show; the form's random token may hold any two digits.
    shown = re.sub(r'<input[^>]*type="hidden"[^>]*>', "", page)
    assert "Ấp 1" not in shown and "Xã An Bình" not in shown and "90" not in shown
    assert holder.phone not in shown
    assert "Tỉnh Thử" in page
    assert r.headers["Cache-Control"] == "no-store" and "noindex" in r.headers["X-Robots-Tag"]
    assert client.get(f"/verify?code={cert.code.lower()}").status_code == 200


def test_name_check(client, issued):
    holder, cert = issued
    r = client.post(f"/verify/{cert.code}", data={"full_name": "phạm thị ngọc ánh"})
    assert "Họ tên khớp" in text(r)
    r = client.post(f"/verify/{cert.code}", data={"full_name": "Pham Thi Ngoc Anh"})
    assert "KHÔNG khớp" in text(r)


def test_mistyped_and_unknown_codes(client, issued, db):
    holder, cert = issued
    code = cert.code
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    r = client.get(f"/verify/{wrong}")
    assert r.status_code == 400 and "gõ sai" in text(r)
    unknown = codes.new_code()
    r_unknown = client.get(f"/verify/{unknown}")
    holder.erased_at = holder.created_at
    db.session.commit()
    r_erased = client.get(f"/verify/{code}")
    assert r_unknown.status_code == r_erased.status_code == 404
    strip = lambda r, c: text(r).replace(codes.normalise(c), "").replace(c, "")  # noqa: E731
    assert strip(r_unknown, unknown).count("Không tìm thấy") == strip(r_erased, code).count(
        "Không tìm thấy"
    )


def test_revoked_shows_only_the_date(client, issued, db, make_user):
    holder, cert = issued
    from portal.certificates import services

    services.revoke_certificate(cert, make_user("admin"), "Lý do nội bộ bí mật")
    db.session.commit()
    page = text(client.get(f"/verify/{cert.code}"))
    assert "ĐÃ BỊ THU HỒI" in page and "bí mật" not in page and "Phạm T." not in page


def test_parent_certificate_hidden_until_turned_on(client, parent_course, complete, make_user, db):
    parent = make_user(position="parent")
    cert = complete(parent, parent_course)
    assert client.get(f"/verify/{cert.code}").status_code == 404
    parent.public_verification = True
    db.session.commit()
    assert client.get(f"/verify/{cert.code}").status_code == 200


def test_a_parent_is_told_why_others_cannot_check_yet(
    client, login, parent_course, complete, make_user, db
):
    parent = make_user(position="parent")
    cert = complete(parent, parent_course)
    login(parent)
    verify = f'href="/verify/{codes.display(cert.code)}"'
    page = text(client.get("/certificates/"))
    assert verify not in page and 'href="/profile#public"' in page  # no link to "not found"
    parent.public_verification = True
    db.session.commit()
    page = text(client.get("/certificates/"))
    assert verify in page and 'href="/profile#public"' not in page


def test_verify_is_rate_limited(app, client, issued):
    holder, cert = issued
    codes_seen = [client.get(f"/verify/{cert.code}").status_code for _ in range(65)]
    assert codes_seen[-1] == 429


def test_trainer_list_revoke_and_bulk_download(client, login, issued, make_user, tree, db):
    holder, cert = issued
    login(make_user("trainer", tree["commune"]))
    assert codes.display(cert.code) in text(client.get("/certificates/manage"))
    r = client.get("/certificates/manage?unit=99002")  # a sibling commune: not in scope
    assert r.status_code == 400 and "Không có đơn vị" in text(r)
    assert client.get("/certificates/manage?from=hôm-qua").status_code == 400
    r = client.get("/certificates/manage/download?format=pdf")
    assert r.mimetype == "application/pdf"
    r = client.get("/certificates/manage/download?format=zip")
    assert r.mimetype == "application/zip"
    r = client.post(f"/certificates/{cert.code}/revoke", data={"reason": "Cấp nhầm"})
    assert r.status_code == 302
    assert db.session.get(Certificate, cert.id).revoked_at is not None


def test_a_trainer_cannot_rename_or_revoke_their_own_certificate(
    client, login, course, complete, make_user, tree, db
):
    trainer = login(make_user("trainer", tree["commune"], name="Trần Văn Bình"))
    cert = complete(trainer, course)
    r = client.post(f"/certificates/{cert.code}/rename", data={"full_name": "Tên Người Khác"})
    assert r.status_code == 404
    assert client.post(f"/certificates/{cert.code}/revoke", data={"reason": "x"}).status_code == 404
    fresh = db.session.get(Certificate, cert.id)
    assert fresh.revoked_at is None and fresh.holder_name == "Trần Văn Bình"
    # The manage list offers no revoke button on one's own certificate either.
    page = text(client.get("/certificates/manage"))
    assert codes.display(cert.code) in page and "/revoke" not in page


def test_cli_verify(app, client, login, issued, tmp_path):
    holder, cert = issued
    login(holder)
    data = client.get(f"/certificates/{cert.code}.json").get_data(as_text=True)
    good = tmp_path / "c.json"
    good.write_text(data)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "verify", str(good)])
    assert result.exit_code == 0 and "Phạm Thị Ngọc Ánh" in result.output
    bad = tmp_path / "bad.json"
    import json as _json

    shown = _json.loads(data)
    shown["credential"]["credentialSubject"]["name"] = "Pham Thi Ngoc Anh"
    bad.write_text(_json.dumps(shown))
    result = runner.invoke(args=["certificates", "verify", str(bad)])
    assert result.exit_code == 1 and "INVALID" in result.output
    import json

    parsed = json.loads(data)
    head, body, sig = parsed["jwt"].split(".")
    claims = json.loads(credentials.b64url_decode(body))
    claims["vc"]["credentialSubject"]["name"] = "Người Khác"
    forged = tmp_path / "forged.jwt"
    forged.write_text(".".join([head, credentials.b64url(json.dumps(claims).encode()), sig]))
    result = runner.invoke(args=["certificates", "verify", str(forged)])
    assert result.exit_code == 1 and "signature does not match" in result.output
    result = runner.invoke(args=["certificates", "verify", codes.display(cert.code)])
    assert result.exit_code == 0 and "VALID" in result.output


def test_course_page_shows_my_certificate(client, login, issued):
    holder, cert = issued
    login(holder)
    page = text(client.get("/courses/duoi-nuoc/"))
    assert "Còn hiệu lực" in page and cert.expires_at.strftime("%d/%m/%Y") in page
