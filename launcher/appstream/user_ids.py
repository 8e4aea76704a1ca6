"""User IDs for test sessions: derived from a name or an e-mail address, or made fresh.

AppStream keys a user's home folder and application settings by the user ID, so two tests
with the same ID share that state. `new_test_user_id` makes an ID that no earlier test used.
`derive_user_id` turns "José Müller" or "José Müller <jose.muller@example.com>" into an ID
that `validate_user_id` accepts: 2–32 characters of letters, digits and `_+=,.@-`.
"""

from __future__ import annotations

import re
import secrets
import string
import unicodedata

from launcher.appstream.errors import ValidationError
from launcher.appstream.validation import USER_ID_MAX_LENGTH, USER_ID_MIN_LENGTH, USER_ID_PATTERN, validate_user_id

NEW_USER_ID_PREFIX = "test-"
NEW_USER_ID_SUFFIX_LENGTH = 8
NEW_USER_ID_ALPHABET = string.ascii_lowercase + string.digits
# Appended to a derived ID of one character, which is below the minimum length of 2.
PADDING = "-user"

# Latin letters that NFKD does not split into a base letter and a combining mark.
_TRANSLITERATIONS = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
        "ħ": "h",
        "Ħ": "H",
    }
)
_APOSTROPHES = re.compile(r"['’`´]")
_ADDRESS_IN_BRACKETS = re.compile(r"<([^<>@\s]+@[^<>@\s]+)>")
_SEPARATORS = "._+=,@-"
_SEPARATOR_RUN = re.compile(r"[._+=,@-]{2,}")


def transliterate(text: str) -> str:
    """Return `text` with accents removed and Latin ligatures spelled out. Other scripts pass through."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATIONS))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _collapse(text: str) -> str:
    """Replace each run of separators with its first character and strip separators at both ends."""
    return _SEPARATOR_RUN.sub(lambda match: match.group(0)[0], text).strip(_SEPARATORS)


def _from_name(text: str) -> str:
    words = re.sub(r"[^a-z0-9_-]+", ".", text)
    return _collapse(words)


def _from_address(local: str, domain: str) -> str:
    local = _collapse(re.sub(r"[^a-z0-9_+=.-]+", "", local))
    domain = _collapse(re.sub(r"[^a-z0-9.-]+", "", domain))
    if local and domain and len(local) + 1 + len(domain) <= USER_ID_MAX_LENGTH:
        return f"{local}@{domain}"
    # A long address keeps its local part, which is what tells people apart.
    return local or domain


def derive_user_id(text: str) -> str:
    """Return a valid user ID made from a name or an e-mail address.

    A text that is already a valid user ID is returned unchanged. Otherwise accents are
    removed, letters are lower-cased, apostrophes are dropped, other characters become
    separators, runs of separators collapse, and the result is cut to 32 characters. Raises
    ValidationError when no letter or digit of A-Z, a-z or 0-9 remains (for example a name in a
    non-Latin script).
    """
    stripped = text.strip()
    if USER_ID_PATTERN.fullmatch(stripped) and USER_ID_MIN_LENGTH <= len(stripped) <= USER_ID_MAX_LENGTH:
        return stripped

    # "Name <address>" uses the address, or the whole text when the address yields no ID.
    bracketed = _ADDRESS_IN_BRACKETS.search(stripped)
    sources = [bracketed.group(1), stripped] if bracketed else [stripped]
    for source in sources:
        candidate = _candidate(source)
        if any(char.isalnum() for char in candidate):
            if len(candidate) < USER_ID_MIN_LENGTH:
                candidate += PADDING
            return validate_user_id(candidate)
    raise ValidationError(
        "user_id",
        f"No user ID can be made from {stripped[:40]!r}: it has no letters A-Z or digits. "
        "Type a user ID, or press New for a fresh test ID.",
    )


def _candidate(text: str) -> str:
    """Return the ASCII ID that `text` turns into, which may be empty or without any letter."""
    ascii_text = _APOSTROPHES.sub("", transliterate(text)).lower()
    ascii_text = "".join(char for char in ascii_text if char.isascii())
    local, at, domain = ascii_text.rpartition("@")
    candidate = _from_address(local, domain) if at and local.strip() and domain.strip() else _from_name(ascii_text)
    return _collapse(candidate[:USER_ID_MAX_LENGTH])


def new_test_user_id(prefix: str = NEW_USER_ID_PREFIX) -> str:
    """Return a fresh user ID such as "test-k3v9q2xa": the prefix and 8 random lower-case letters and digits."""
    suffix = "".join(secrets.choice(NEW_USER_ID_ALPHABET) for _ in range(NEW_USER_ID_SUFFIX_LENGTH))
    return validate_user_id(f"{prefix}{suffix}")
