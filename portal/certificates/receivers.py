"""Issue a certificate when a certified course is completed (DESIGN §2 signals)."""

from portal import signals
from portal.certificates import services


def on_course_completed(sender, user, course_slug, status, version, **_):
    if version.certificate:
        services.issue_certificate(user, course_slug, status, version)


def connect(app):
    signals.course_completed.connect(on_course_completed)
