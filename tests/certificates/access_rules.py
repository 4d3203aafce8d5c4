import tempfile
from pathlib import Path

from portal.certificates import codes
from portal.certificates import services as certificates
from portal.courses import publishing
from portal.courses import services as courses
from portal.extensions import db
from tests.courses.sample import write_course
from tests.test_access_matrix import ALL, SIGNED_IN

HOLDER_OR_SCOPE = dict(anon=302, learner=200, trainer=200, manager=200, admin=200)
SCOPE_ONLY = dict(anon=302, learner=404, trainer=404, manager=404, admin=200)
LISTS = dict(anon=302, learner=403, trainer=200, manager=200, admin=200)


def extend(world):
    root = Path(tempfile.mkdtemp())
    write_course(root)
    list(publishing.sync_content(root))
    course = courses.get_course("duoi-nuoc")
    for who in ("learner", "outsider"):
        user = world[who]
        courses.complete_lessons(user, course, [x.slug for x in course.current_version.lessons])
        courses.record_quiz_pass(user, course, attempt_id=1, score=90)
        world[f"{who}_cert"] = codes.display(certificates.get_live(user.id, course.slug).code)
    db.session.commit()


def _url(fmt, who="learner"):
    return lambda w: fmt.format(code=w[f"{who}_cert"])


RULES = [
    ("certificates.mine", "GET", "/certificates/", SIGNED_IN(200)),
    ("certificates.certificate_pdf", "GET", _url("/certificates/{code}.pdf"), HOLDER_OR_SCOPE),
    (
        "certificates.certificate_pdf",
        "GET",
        _url("/certificates/{code}.pdf", "outsider"),
        SCOPE_ONLY,
    ),
    ("certificates.certificate_json", "GET", _url("/certificates/{code}.json"), HOLDER_OR_SCOPE),
    (
        "certificates.certificate_json",
        "GET",
        _url("/certificates/{code}.json", "outsider"),
        SCOPE_ONLY,
    ),
    ("certificates.credential_jwt", "GET", _url("/credentials/{code}.jwt"), HOLDER_OR_SCOPE),
    ("certificates.credential_jwt", "GET", _url("/credentials/{code}.jwt", "outsider"), SCOPE_ONLY),
    (
        "certificates.renew",
        "POST",
        _url("/certificates/{code}/renew"),
        dict(anon=302, learner=302, trainer=404, manager=404, admin=404),
    ),
    ("certificates.issuer", "GET", "/credentials/issuer", ALL(200)),
    ("certificates.status_list", "GET", "/credentials/status", ALL(200)),
    ("certificates.verify", "GET", _url("/verify/{code}"), ALL(200)),
    ("certificates.verify", "GET", "/verify", ALL(200)),
    ("certificates.verify_name", "POST", _url("/verify/{code}"), ALL(200)),
    ("certificates.manage", "GET", "/certificates/manage", LISTS),
    (
        "certificates.download_many",
        "GET",
        "/certificates/manage/download",
        dict(anon=302, learner=403, trainer=200, manager=200, admin=200),
    ),
    (
        "certificates.revoke",
        "POST",
        _url("/certificates/{code}/revoke", "outsider"),
        dict(anon=302, learner=403, trainer=404, manager=403, admin=400),
    ),
    (
        "certificates.rename",
        "POST",
        _url("/certificates/{code}/rename", "outsider"),
        dict(anon=302, learner=403, trainer=404, manager=403, admin=400),
    ),
]
