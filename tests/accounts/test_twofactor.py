"""Two-factor codes: setting up, checking once, turning off, required of admins."""

import pyotp
import pytest

from portal.accounts import twofactor
from portal.accounts.services import AccountError
from tests.conftest import PASSWORD


def test_enable_check_and_no_replay(make_user):
    user = make_user()
    secret = twofactor.new_secret()
    with pytest.raises(AccountError):
        twofactor.enable(user, secret, "000000")
    twofactor.enable(user, secret, pyotp.TOTP(secret).now())
    assert user.totp_secret == secret
    # The confirming code is used up; a code from the next step is good once.
    totp = pyotp.TOTP(secret)
    next_code = totp.generate_otp(user.totp_last_step + 1)
    assert twofactor.check(user, next_code)
    assert not twofactor.check(user, next_code)
    assert not twofactor.check(user, "12345")


def test_disable_needs_the_password_and_is_kept_for_admins_when_required(make_user, config_value):
    user = make_user("admin", position=None, totp_secret=twofactor.new_secret())
    with pytest.raises(AccountError):
        twofactor.disable(user, "wrong")
    config_value(REQUIRE_ADMIN_2FA=True)
    with pytest.raises(AccountError):
        twofactor.disable(user, PASSWORD)
    config_value(REQUIRE_ADMIN_2FA=False)
    twofactor.disable(user, PASSWORD)
    assert user.totp_secret is None


def test_admins_need_totp_setup_only_when_required(make_user, config_value):
    admin = make_user("admin", position=None)
    trainer = make_user("trainer")
    assert not twofactor.needs_setup(admin)
    config_value(REQUIRE_ADMIN_2FA=True)
    assert twofactor.needs_setup(admin) and not twofactor.needs_setup(trainer)


def test_qr_is_an_inline_svg():
    svg = twofactor.qr_svg("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP")
    assert svg.startswith("<svg") and "<script" not in svg
