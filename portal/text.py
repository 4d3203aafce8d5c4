"""Vietnamese text rules (DESIGN §10.6): NFC input, search folding, name order, phones."""

import re
import unicodedata
from functools import lru_cache

_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền hỏi ngã sắc nặng
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve (ă), circumflex (â ê ô), horn (ơ ư)
_ALPHABET = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()
_RANK = {letter: i for i, letter in enumerate(_ALPHABET)}


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]+")


def nfc(value):
    """One line of typed or imported text (a name, a code, a place): NFC, trimmed, with
    control characters, zero-width spaces and line breaks read as a space and runs of
    spaces made one. Text pasted from a spreadsheet or a chat app often carries them
    invisibly, and they would break exports and searches. None stays None."""
    if value is None:
        return None
    value = _CONTROL.sub(" ", unicodedata.normalize("NFC", value))
    return " ".join(value.split())


def fold(value):
    """Lower-case, drop diacritics, đ → d: what search compares."""
    value = unicodedata.normalize("NFD", (value or "").casefold())
    value = "".join(c for c in value if not unicodedata.combining(c))
    return value.replace("đ", "d")


@lru_cache(maxsize=4096)  # names are written with a few hundred characters
def _char_key(ch):
    """(rank of the letter, tone) of one NFC character."""
    decomposed = unicodedata.normalize("NFD", ch)
    base = decomposed[0]
    marks = decomposed[1:]
    letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _LETTER_MARKS))
    tone = max((_TONES.get(m, 0) for m in marks), default=0)
    return _RANK.get(letter, 100 + ord(letter[0])), tone


def _letter_key(text):
    # Character by character from a cache: a province's inspection file sorts 100,000 names.
    pairs = [_char_key(ch) for ch in unicodedata.normalize("NFC", text.casefold())]
    return tuple(key for key, _ in pairs), tuple(tone for _, tone in pairs)


@lru_cache(maxsize=65536)
def name_sort_key(full_name):
    """Sort people the Vietnamese way: given name (last word), then the full name."""
    words = (full_name or "").split()
    given = words[-1] if words else ""
    return _letter_key(given), _letter_key(full_name or "")


# name_sort_key as text, for the database to sort and page by: each letter's rank in
# three base-35 digits, each tone in one, the four parts joined by "0", which sorts
# before every digit used. Only [0-9a-z] appear, so any collation orders it as bytes do.
_SORT_DIGITS = "123456789abcdefghijklmnopqrstuvwxyz"
_SORT_MAX = len(_SORT_DIGITS) ** 3 - 1
NAME_SORT_LENGTH = 1000


def _sort_digits(value):
    value = min(value, _SORT_MAX)
    n = len(_SORT_DIGITS)
    return _SORT_DIGITS[value // n // n] + _SORT_DIGITS[value // n % n] + _SORT_DIGITS[value % n]


def name_sort_text(full_name):
    """A text that sorts as name_sort_key does (to NAME_SORT_LENGTH characters)."""
    (given, given_tones), (full, full_tones) = name_sort_key(full_name)
    parts = (
        "".join(_sort_digits(r) for r in given),
        "".join(_SORT_DIGITS[t] for t in given_tones),
        "".join(_sort_digits(r) for r in full),
        "".join(_SORT_DIGITS[t] for t in full_tones),
    )
    return "0".join(parts)[:NAME_SORT_LENGTH]


def normalise_phone(value):
    """Return a Vietnamese phone number as 0xxxxxxxxx, or None when it is not one."""
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if re.fullmatch(r"0\d{9}", digits):
        return digits
    return None


def normalise_email(value):
    value = nfc(value or "").lower()
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        return value
    return None
