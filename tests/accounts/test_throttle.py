"""Failed sign-in limits: per account, per known device, per address; successes never count."""

import pytest

from portal.accounts import services, throttle
from tests.conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("tight_limits")  # 3 per account, 5 per address

HOME = "192.0.2.1"


def _fail(login, times, address=HOME, device=None):
    for _ in range(times):
        outcome = services.authenticate(
            login, "wrong password", address=address, device_cookie=device
        ).outcome
        assert outcome in ("invalid", "blocked")


def _try(login, address=HOME, device=None, password=PASSWORD):
    return services.authenticate(login, password, address=address, device_cookie=device).outcome


def test_an_account_is_blocked_after_too_many_failures_even_with_the_right_password(make_user):
    user = make_user(phone="0912345678")
    _fail("0912345678", 3, address="198.51.100.7")
    assert _try(user.phone) == "blocked"
    # Any spelling of the number is the same bucket.
    assert _try("+84 912 345 678") == "blocked"


def test_successes_do_not_count(make_user):
    user = make_user()
    for _ in range(10):
        assert _try(user.phone) == "ok"


def test_unknown_logins_are_limited_like_real_ones():
    _fail("0999999999", 3)
    assert _try("0999999999") == "blocked"


def test_a_known_device_is_not_locked_out_by_someone_elses_failures(make_user):
    user = make_user(phone="0912345678")
    cookie = throttle.remember_device(None, user)  # set when they signed in before
    _fail("0912345678", 5, address="203.0.113.9")  # an attacker elsewhere
    assert _try(user.phone, address="203.0.113.9") == "blocked"
    assert _try(user.phone, device=cookie) == "ok"


def test_a_known_device_has_its_own_limit(make_user):
    user = make_user(phone="0912345678")
    cookie = throttle.remember_device(None, user)
    _fail("0912345678", 3, device=cookie)
    assert _try(user.phone, device=cookie) == "blocked"
    assert _try(user.phone, address="198.51.100.7") == "ok"  # the account bucket is untouched


def test_a_device_known_to_another_account_or_forged_does_not_help(make_user):
    user = make_user(phone="0912345678")
    other = make_user(phone="0912345679")
    others_cookie = throttle.remember_device(None, other)
    _fail("0912345678", 3, address="203.0.113.9")
    assert _try(user.phone, device=others_cookie) == "blocked"
    assert _try(user.phone, device=others_cookie + "x") == "blocked"
    assert _try(user.phone, device="garbage") == "blocked"


def test_the_device_cookie_remembers_several_accounts(make_user):
    first, second = make_user(), make_user()
    cookie = throttle.remember_device(throttle.remember_device(None, first), second)
    assert throttle.known_device(cookie, first) == throttle.known_device(cookie, second)
    assert throttle.known_device(cookie, first) is not None


def test_an_address_is_limited_generously_across_accounts(make_user):
    user = make_user(phone="0912345678")
    for n in range(5):
        _fail(f"09000000{n:02d}", 1)
    assert _try(user.phone) == "blocked"
    assert _try(user.phone, address="198.51.100.7") == "ok"


def test_a_limit_storage_outage_does_not_break_sign_in(app, monkeypatch):
    from portal.accounts import throttle
    from portal.extensions import limiter

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(limiter.limiter, "test", down)
    monkeypatch.setattr(limiter.limiter, "hit", down)
    attempt = throttle.Attempt(login="0912345678", address="127.0.0.1")
    assert throttle.is_blocked(attempt) is False
    throttle.record_failure(attempt)  # no exception
