"""Sending one e-mail through the configured SMTP server (PORTAL_SMTP_*)."""

import smtplib
from email.message import EmailMessage


def configured(config):
    return bool(config["SMTP_HOST"])


def send(config, to, subject, body):
    """Send a plain-text message; raises OSError or smtplib.SMTPException on failure."""
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"] or config["SMTP_USER"]
    message["To"] = to
    # Headers never carry line breaks, whatever the caller passed (header injection).
    message["Subject"] = " ".join(subject.split())
    message.set_content(body)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=20) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(message)
