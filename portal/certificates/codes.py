"""Certificate codes (DESIGN §10.4): Crockford base32 with a Luhn mod 32 check character."""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_READ_AS = {"I": "1", "L": "1", "O": "0"}
PAYLOAD_LENGTH = 15  # 75 random bits
GROUP = 4


class CodeError(ValueError):
    """A code that cannot be right: wrong characters, length or check character."""


def check_character(payload):
    """Luhn mod N over the 32-symbol alphabet."""
    factor = 2
    total = 0
    n = len(ALPHABET)
    for ch in reversed(payload):
        addend = factor * _VALUE[ch]
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def new_code():
    """A fresh code from the system's cryptographic random source."""
    payload = "".join(secrets.choice(ALPHABET) for _ in range(PAYLOAD_LENGTH))
    return payload + check_character(payload)


def normalise(text):
    """Canonical form: upper case, no hyphens or spaces, I/L read as 1 and O as 0."""
    value = "".join(ch for ch in (text or "").upper() if ch not in "- \t")
    return "".join(_READ_AS.get(ch, ch) for ch in value)


def parse(text):
    """Return the canonical code, or raise CodeError before any database lookup."""
    value = normalise(text)
    if len(value) != PAYLOAD_LENGTH + 1 or any(ch not in _VALUE for ch in value):
        raise CodeError("format")
    if check_character(value[:-1]) != value[-1]:
        raise CodeError("check")
    return value


def display(code):
    """BVTE-7K3M-Q9XP-2WJC: groups of four for reading aloud and typing."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
