import re

import pytest

from portal.accounts import passwords


@pytest.mark.parametrize(
    "password",
    [
        "123456789",
        "matkhau",
        "MatKhau123",
        "anhyeuem",
        "Anh Yêu Em".replace(" ", ""),
        "password1",
        "qwertyuiop",
        "baovetreem",
        "88888888",
    ],
)
def test_common_passwords_are_refused_whatever_the_case_or_accents(password):
    assert passwords.is_common(password)


def test_problem_explains_length_and_common_list_but_no_composition_rules():
    assert "8" in str(passwords.problem("ngan"))
    assert "phổ biến" in str(passwords.problem("anhyeuem"))
    assert passwords.problem("x" * 201) is not None
    assert passwords.problem("con mèo nhà tôi tên là mướp") is None
    assert passwords.problem("abcdefghij") is None  # no digit, no symbol: fine


def test_list_holds_about_a_thousand_entries_and_comments_are_skipped():
    common = passwords._common()
    assert len(common) > 1000
    assert not any(entry.startswith("#") for entry in common)


def test_hash_is_werkzeug_scrypt_and_checks():
    hashed = passwords.hash_password("một câu dài dễ nhớ")
    assert hashed.startswith("scrypt:")
    assert passwords.check(hashed, "một câu dài dễ nhớ")
    assert not passwords.check(hashed, "sai rồi")


def test_check_without_a_hash_still_does_the_work(monkeypatch):
    calls = []
    real = passwords.check_password_hash
    monkeypatch.setattr(
        passwords, "check_password_hash", lambda h, p: calls.append(h) or real(h, p)
    )
    assert passwords.check(None, "anything") is False
    assert calls == [passwords._dummy_hash()]


def test_checking_an_issued_password_costs_a_full_hash_too(monkeypatch):
    # An issued password's light hash answers in 2 ms, an unknown login's dummy in 70 ms:
    # without the dummy work too, timing would list the accounts still on an issued one.
    issued = passwords.hash_issued("abcd-efgh-jkmn")
    calls = []
    real = passwords.check_password_hash
    monkeypatch.setattr(
        passwords, "check_password_hash", lambda h, p: calls.append(h) or real(h, p)
    )
    assert passwords.check(issued, "wrong") is False
    assert passwords.check(issued, "abcd-efgh-jkmn") is True
    assert calls.count(passwords._dummy_hash()) == 2 and calls.count(issued) == 2
    calls.clear()
    assert passwords.check(passwords.hash_password("một câu dài"), "sai") is False
    assert passwords._dummy_hash() not in calls


def test_temporary_passwords_are_readable_random_and_acceptable():
    seen = {passwords.temporary_password() for _ in range(50)}
    assert len(seen) == 50
    for value in seen:
        assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", value)
        assert not set(value) & set("01lio")
        assert passwords.problem(value) is None
    issued = passwords.hash_issued("abcd-efgh-jkmn")
    assert issued.startswith("scrypt:") and passwords.check(issued, "abcd-efgh-jkmn")
