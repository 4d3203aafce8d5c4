"""Vietnamese text rules (DESIGN §10.6), tested without the app."""

import unicodedata

import pytest

from portal.text import (
    fold,
    name_sort_key,
    name_sort_text,
    nfc,
    normalise_email,
    normalise_phone,
)


def test_nfc_composes_and_trims():
    decomposed = unicodedata.normalize("NFD", "  Nguyễn Văn An ")
    assert nfc(decomposed) == "Nguyễn Văn An"
    assert nfc(None) is None
    assert nfc("") == ""


@pytest.mark.parametrize(
    "typed",
    [
        "Nguyễn\tVăn\nAn",
        "Nguyễn\x00Văn\x07An",
        "Nguyễn\u200bVăn\ufeffAn",
        "Nguyễn \r\n Văn\u2028An\x1b",
        "Nguyễn   Văn\x85An",
    ],
)
def test_nfc_reads_control_characters_and_line_breaks_as_one_space(typed):
    assert nfc(typed) == "Nguyễn Văn An"


def test_fold_drops_case_diacritics_and_d_stroke():
    assert fold("Đặng Thị Ánh") == "dang thi anh"
    assert fold(None) == ""


def test_names_sort_by_given_name_in_vietnamese_order():
    names = ["Trần Văn Ơn", "Lê Thị Anh", "Nguyễn Văn Đức", "Phạm Thị Ân", "Vũ Văn Dũng"]
    ordered = sorted(names, key=name_sort_key)
    # a < ă < â, d < đ, o < ô < ơ; the given name first
    assert ordered == ["Lê Thị Anh", "Phạm Thị Ân", "Vũ Văn Dũng", "Nguyễn Văn Đức", "Trần Văn Ơn"]


def test_same_given_name_sorts_by_full_name_and_tones_after_letters():
    assert sorted(["Trần An", "Lê An", "Lê Án", "Lê Ấn"], key=name_sort_key) == [
        "Lê An",
        "Trần An",
        "Lê Án",
        "Lê Ấn",
    ]


NAMES = [
    "Trần Văn Ơn",
    "Lê Thị Anh",
    "Nguyễn Văn Đức",
    "Phạm Thị Ân",
    "Vũ Văn Dũng",
    "Trần An",
    "Lê An",
    "Lê Án",
    "Lê Ấn",
    "An",
    "Lê Anh",
    "Lê Thị An",
    "Đỗ Ánh",
    "Ngô Ý",
    "Kim Ji-woo",
    "李小龙",
    "",
    "Hồ Thị Thu Hà",
    "Hồ Thị Thu",
]


def test_name_sort_text_sorts_as_the_key_does():
    by_key = sorted(NAMES, key=name_sort_key)
    assert sorted(NAMES, key=name_sort_text) == by_key
    assert set(name_sort_text(" ".join(NAMES))) <= set("0123456789abcdefghijklmnopqrstuvwxyz")


def test_name_sort_text_fits_its_column():
    assert len(name_sort_text("Nguyễn " * 40)) <= 1000


@pytest.mark.parametrize(
    "value, expected",
    [
        ("0912 345 678", "0912345678"),
        ("+84 912.345.678", "0912345678"),
        ("84912345678", "0912345678"),
        ("(091) 234-5678", "0912345678"),
        ("912345678", None),
        ("091234567", None),
        ("abc", None),
        (None, None),
    ],
)
def test_phones_are_stored_as_0_and_nine_digits(value, expected):
    assert normalise_phone(value) == expected


def test_emails_are_lower_case_or_refused():
    assert normalise_email(" An@Example.VN ") == "an@example.vn"
    assert normalise_email("an@") is None
    assert normalise_email("an @example.vn") is None
