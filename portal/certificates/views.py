"""My certificates, the public check, PDFs and signed credentials, trainers' list and revocation."""

import io
import json
import zipfile
from datetime import datetime, time, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.accounts.decorators import role_required
from portal.accounts.scope import in_scope
from portal.certificates import codes, credentials, services
from portal.certificates.services import CertificateError
from portal.courses.services import CourseError
from portal.database import utcnow
from portal.extensions import db, limiter
from portal.orgs.models import Unit

bp = Blueprint("certificates", __name__)

PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


def _base_url():
    return current_app.config["BASE_URL"].rstrip("/")


def verify_url(cert):
    return f"{_base_url()}/verify/{codes.display(cert.code)}"


def _signed(cert):
    from portal.courses.services import get_course

    course = get_course(cert.course_slug, include_archived=True)
    summary = course.current_version.summary if course and course.current_version else ""
    # A signed document, Vietnamese by design like the PDF: not the reader's language.
    claims = credentials.credential_claims(
        cert, _base_url(), cert.issuer_name or "Học bảo vệ trẻ em", summary
    )
    return credentials.sign(claims, current_app.config["SIGNING_KEY"]), claims


def _render_pdf(items):
    # fpdf2 is imported on first use: workers that never print a PDF stay lighter.
    from portal.certificates import pdf

    return pdf.render(items)


def _pdf_item(cert):
    token = credentials.compact_claims(cert, pem=current_app.config["SIGNING_KEY"])
    return cert, verify_url(cert), token, codes.display(cert.code)


def _downloadable_or_404(code):
    try:
        canonical = codes.parse(code)
    except codes.CodeError:
        abort(404)
    cert = services.get_by_code(canonical)
    if cert is None or not services.may_download(current_user, cert):
        abort(404)
    return cert


@bp.get("/certificates/")
@login_required
def mine():
    now = utcnow()
    certs = services.list_mine(current_user)
    rows = [
        {
            "cert": c,
            "status": c.status_at(now) if c.superseded_at is None else "superseded",
            "days_left": services.days_left(c, now),
            "can_renew": services.can_renew(c, now),
            "display": codes.display(c.code),
            # A parent's verify page is "not found" until they allow checking.
            "checkable": services.is_publicly_checkable(c),
        }
        for c in certs
    ]
    return render_template("certificates/mine.html", rows=rows)


@bp.post("/certificates/<code>/renew")
@login_required
def renew(code):
    cert = _downloadable_or_404(code)
    if cert.user_id != current_user.id:
        abort(404)
    try:
        services.start_renewal(current_user, cert)
    except (CertificateError, CourseError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("certificates.mine"))
    db.session.commit()
    flash(_("Đã mở kỳ gia hạn: hãy làm lại bài kiểm tra để nhận chứng nhận mới."), "success")
    return redirect(url_for("courses.course", slug=cert.course_slug))


@bp.get("/certificates/<code>.pdf")
@login_required
def certificate_pdf(code):
    cert = _downloadable_or_404(code)
    body = _render_pdf([_pdf_item(cert)])
    return Response(
        body,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="chung-nhan-{cert.code}.pdf"',
            **PRIVATE,
        },
    )


@bp.get("/certificates/<code>.json")
@login_required
def certificate_json(code):
    cert = _downloadable_or_404(code)
    token, claims = _signed(cert)
    response = jsonify(credential=claims["vc"], jwt=token)
    response.headers.update(PRIVATE)
    response.headers["Content-Disposition"] = f'attachment; filename="{cert.code}.json"'
    return response


@bp.get("/credentials/<code>.jwt")
@login_required
def credential_jwt(code):
    cert = _downloadable_or_404(code)
    token, _claims = _signed(cert)
    return Response(token, mimetype="application/vc+jwt", headers=PRIVATE)


@bp.get("/credentials/issuer")
def issuer():
    """The issuer's public key: anyone may check a credential offline with it."""
    key = credentials.public_key_of(current_app.config["SIGNING_KEY"])
    jwk = credentials.public_jwk(key) | {"kid": credentials.key_id(key), "use": "sig"}
    return jsonify(
        id=f"{_base_url()}/credentials/issuer",
        type=["Profile"],
        name="Học bảo vệ trẻ em",  # the same issuer name as in the signed credentials
        publicKeyJwk=jwk,
    )


@bp.get("/credentials/status")
def status_list():
    claims = credentials.status_list_claims(services.list_revoked_indices(), _base_url())
    token = credentials.sign(claims, current_app.config["SIGNING_KEY"])
    return Response(token, mimetype="application/vc+jwt", headers={"Cache-Control": "max-age=300"})


def _verify_limit():
    return current_app.config["VERIFY_LIMIT"]


def _verify_page(code_text, http_status=200, **context):
    response = current_app.make_response(
        (render_template("certificates/verify.html", code_text=code_text, **context), http_status)
    )
    response.headers.update(PRIVATE)
    return response


def _lookup(code_text):
    """(cert or None, error message or None) for a typed code."""
    try:
        canonical = codes.parse(code_text)
    except codes.CodeError as exc:
        if str(exc) == "check":
            return None, _("Mã này có vẻ bị gõ sai một ký tự. Hãy kiểm tra lại từng ký tự.")
        return None, _("Mã chứng nhận gồm 16 ký tự chữ và số, ví dụ ABCD-EFGH-JKMN-PQR5.")
    cert = services.get_by_code(canonical)
    if cert is None or not services.is_publicly_checkable(cert):
        return None, None
    if cert.superseded_at is not None and cert.revoked_at is None:
        return cert, None  # an older renewal cycle: still shows its own dates
    return cert, None


@bp.get("/verify")
@bp.get("/verify/<code>")
@limiter.limit(_verify_limit)
def verify(code=None):
    code_text = code if code is not None else request.args.get("code", "")
    code_text = code_text[:40]
    if not code_text:
        return _verify_page("", form_only=True)
    cert, error = _lookup(code_text)
    if error:
        return _verify_page(code_text, 400, error=error)
    if cert is None:
        return _verify_page(code_text, 404, not_found=True)
    return _verify_page(code_text, **_public_view(cert))


def _public_view(cert):
    now = utcnow()
    return {
        "cert": cert,
        "state": cert.status_at(now),
        "masked": services.mask_name(cert.holder_name),
        "display": codes.display(cert.code),
    }


def _name_check_key():
    return "verify-name:" + codes.normalise(request.view_args.get("code", ""))


@bp.post("/verify/<code>")
@limiter.limit(_verify_limit)
@limiter.limit("10 per hour", key_func=_name_check_key)
def verify_name(code):
    cert, error = _lookup(code[:40])
    if error:
        return _verify_page(code, 400, error=error)
    if cert is None:
        return _verify_page(code, 404, not_found=True)
    typed = request.form.get("full_name", "")[:200]
    return _verify_page(
        code, name_checked=True, name_ok=services.name_matches(cert, typed), **_public_view(cert)
    )


# Trainers and managers


FILTERS = ("unit", "course", "status", "from", "to")


def _filter_args():
    """The list filters as typed, and nothing else (links and redirects repeat them)."""
    return {name: request.args[name] for name in FILTERS if name in request.args}


def _filters():
    """Parse the list filters; unknown units or bad dates become a message, not a 500."""
    errors = []
    f = services.CertificateFilter()
    unit_code = request.args.get("unit", "").strip()
    if unit_code:
        from sqlalchemy import select

        unit = db.session.scalar(
            select(Unit).where(Unit.code == unit_code, Unit.valid_to.is_(None))
        )
        if unit is None or not in_scope(current_user, unit):
            errors.append(_("Không có đơn vị mã %(code)s trong phạm vi của bạn.", code=unit_code))
        else:
            f.unit = unit
    f.course_slug = request.args.get("course", "").strip() or None
    status = request.args.get("status", "")
    f.status = status if status in ("valid", "expiring", "expired", "revoked") else None
    for name, attr, shift in (("from", "issued_from", 0), ("to", "issued_to", 1)):
        value = request.args.get(name, "").strip()
        if value:
            try:
                day = datetime.strptime(value, "%Y-%m-%d").date() + timedelta(days=shift)
                setattr(f, attr, datetime.combine(day, time.min).astimezone())
            except ValueError:
                errors.append(_("Ngày không hợp lệ: %(v)s (dạng năm-tháng-ngày).", v=value))
    return f, errors


@bp.get("/certificates/manage")
@role_required("trainer", "manager", "admin")
def manage():
    f, errors = _filters()
    certs = [] if errors else services.list_for_scope(current_user, f)
    now = utcnow()
    rows = [
        {
            "cert": c,
            "status": c.status_at(now),
            "display": codes.display(c.code),
            "can_revoke": services.may_revoke(current_user, c) and c.revoked_at is None,
        }
        for c in certs
    ]
    return render_template(
        "certificates/manage.html", rows=rows, errors=errors, args=_filter_args()
    ), 400 if errors else 200


@bp.get("/certificates/manage/download")
@role_required("trainer", "manager", "admin")
def download_many():
    f, errors = _filters()
    if errors:
        abort(400)
    certs = services.list_for_scope(current_user, f, limit=200)
    if not certs:
        flash(_("Không có chứng nhận nào khớp bộ lọc."), "error")
        return redirect(url_for("certificates.manage", **_filter_args()))
    if request.args.get("format") == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for cert in certs:
                zf.writestr(f"chung-nhan-{cert.code}.pdf", _render_pdf([_pdf_item(cert)]))
        return Response(
            buf.getvalue(),
            mimetype="application/zip",
            headers={"Content-Disposition": 'attachment; filename="chung-nhan.zip"', **PRIVATE},
        )
    body = _render_pdf([_pdf_item(c) for c in certs])
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="chung-nhan.pdf"', **PRIVATE},
    )


@bp.post("/certificates/<code>/revoke")
@role_required("trainer", "admin")
def revoke(code):
    cert = _downloadable_or_404(code)
    if not services.may_revoke(current_user, cert):
        abort(404)
    try:
        services.revoke_certificate(cert, current_user, request.form.get("reason", ""))
    except CertificateError as exc:
        flash(str(exc), "error")
        return manage()[0], 400
    db.session.commit()
    flash(_("Đã thu hồi chứng nhận %(code)s.", code=codes.display(cert.code)), "success")
    return redirect(url_for("certificates.manage"))


@bp.post("/certificates/<code>/rename")
@role_required("trainer", "admin")
def rename(code):
    cert = _downloadable_or_404(code)
    if not services.may_revoke(current_user, cert):
        abort(404)
    try:
        fresh = services.reissue_with_name(cert, current_user, request.form.get("full_name", ""))
    except CertificateError as exc:
        flash(str(exc), "error")
        return manage()[0], 400
    db.session.commit()
    flash(
        _("Đã cấp lại chứng nhận với họ tên mới: %(code)s.", code=codes.display(fresh.code)),
        "success",
    )
    return redirect(url_for("certificates.manage"))


def credential_bytes(cert):
    """The JSON download, for the CLI and tests."""
    token, claims = _signed(cert)
    return json.dumps({"credential": claims["vc"], "jwt": token}, ensure_ascii=False)
