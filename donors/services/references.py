"""Payment references a person can type, and the forgiving comparison used
when a bank line quotes one (case, spaces, punctuation, leading zeros)."""

from __future__ import annotations

import re
import secrets

# No 0/O, 1/I/L, 2/Z, 5/S or 8/B: nothing a person can misread or mistype.
ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def new_reference(fund_code: str, length: int = 6) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(length))
    return f"{fund_code[:6]}-{body}"


def normalise(reference: str) -> str:
    """The comparable form: upper case, letters and digits only, no leading zeros."""
    return _NOT_ALNUM.sub("", reference.upper()).lstrip("0")


def references_in(text: str) -> set[str]:
    """Every token of a bank line's text, normalised, plus the whole text."""
    tokens = {normalise(token) for token in re.split(r"[\s,;/]+", text) if token}
    tokens.add(normalise(text))
    tokens.discard("")
    return tokens
