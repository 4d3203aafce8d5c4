"""`flask certificates verify FILE_OR_CODE`: check a credential offline, or a code."""

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.certificates import codes, credentials, services
from portal.database import utcnow

cli = AppGroup("certificates", help="Certificates and signed credentials.")


def _read(text):
    """(token, the unsigned credential shown beside it or None) from a downloaded file."""
    text = text.strip()
    if text.startswith("{"):
        data = json.loads(text)
        if not isinstance(data, dict):
            raise credentials.CredentialError("not a credential file")
        return data.get("jwt"), data.get("credential")
    return text, None


@cli.command("verify")
@click.argument("file_or_code")
@click.option(
    "--key",
    "key_file",
    type=click.Path(exists=True, dir_okay=False),
    help="The issuer's public key (JWK JSON or PEM); default: this portal's key.",
)
def verify(file_or_code, key_file):
    """Check a signed credential (file: .jwt, .json or compact QR text) or a code."""
    path = Path(file_or_code)
    if not path.is_file():
        return _verify_code(file_or_code)
    if key_file:
        raw = Path(key_file).read_text()
        public_key = credentials.public_key_from(
            json.loads(raw).get("publicKeyJwk", json.loads(raw))
            if raw.lstrip().startswith("{")
            else raw
        )
    else:
        public_key = credentials.public_key_of(current_app.config["SIGNING_KEY"])
    try:
        token, shown = _read(path.read_text(encoding="utf-8"))
        claims = credentials.verify(token, public_key)
        if shown is not None and shown != claims.get("vc"):
            raise credentials.CredentialError(
                "the readable copy in the file differs from what was signed"
            )
    except (credentials.CredentialError, ValueError, UnicodeDecodeError) as exc:
        click.echo(f"INVALID: {exc}", err=True)
        sys.exit(1)
    if "vc" in claims:
        vc = claims["vc"]
        subject = vc.get("credentialSubject", {})
        click.echo("VALID signature")
        click.echo(f"holder: {subject.get('name')}")
        click.echo(f"course: {subject.get('achievement', {}).get('name')}")
        click.echo(f"valid from: {vc.get('validFrom')}  until: {vc.get('validUntil', '-')}")
    else:
        click.echo("VALID signature (compact form)")
        click.echo(f"code: {claims.get('c')}  holder: {claims.get('n')}  course: {claims.get('t')}")
        click.echo(f"issued: {claims.get('i')}  expires: {claims.get('e', '-')}")


def _verify_code(text):
    try:
        code = codes.parse(text)
    except codes.CodeError:
        click.echo("INVALID: not a file, and not a well-formed certificate code", err=True)
        sys.exit(1)
    cert = services.get_by_code(code)
    if cert is None:
        click.echo("NOT FOUND", err=True)
        sys.exit(1)
    status = cert.status_at(utcnow())
    click.echo(f"{status.upper()}: {codes.display(cert.code)} {cert.course_title}")
    sys.exit(0 if status == "valid" else 1)
