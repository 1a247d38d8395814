"""What makes a staff password acceptable: long enough, and not easy to guess, judged by
zxcvbn (its lists of the most used passwords, words, names and dates, and its keyboard,
repeat and sequence patterns), with the user's own names counted as easy."""

import re

from zxcvbn import zxcvbn

MIN_LENGTH = 10
MIN_SCORE = 3  # zxcvbn's 0–4; 3 is about 10^8 guesses, "safely unguessable" online
_CHECKED_LENGTH = 100  # zxcvbn's time grows with length; a longer password is not weak

_REASONS = {
    "passwords": "it is one of the most used passwords, or close to one",
    "user_inputs": "it contains the username or the person's name",
    "spatial": "it is a run of neighbouring keys",
    "repeat": "it repeats characters or a short pattern",
    "sequence": "it is a sequence such as abcd or 1234",
    "date": "it is or contains a date",
    "regex": "it is or contains a recent year",
}
_WORDS = "it is made of common words or names"


def password_problem(password: str, *personal: str) -> str | None:
    """Why `password` may not be used (a sentence for the form), or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    # Word by word: "Dana Whitfield" makes both "dana" and "whitfield" easy to guess.
    names = [word for text in personal for word in re.findall(r"[^\W\d_]+", text or "")]
    verdict = zxcvbn(password[:_CHECKED_LENGTH], user_inputs=names)
    # zxcvbn only discounts a name; a password built on one is refused outright.
    if any(len(name) >= 3 and name.casefold() in password.casefold() for name in names):
        return f"Choose a password that is harder to guess: {_REASONS['user_inputs']}."
    if verdict["score"] >= MIN_SCORE:
        return None
    return f"Choose a password that is harder to guess: {_reason(verdict['sequence'])}."


def _reason(sequence: list[dict]) -> str:
    for match in sequence:
        key = match.get("dictionary_name") or match["pattern"]
        if key in _REASONS:
            return _REASONS[key]
    if any(m["pattern"] == "dictionary" for m in sequence):
        return _WORDS
    return "it is too short for the characters it uses"
