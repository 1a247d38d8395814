"""Search keys: names and emails folded so that case and accents do not matter (Renée,
RENEE and renee are one key), and the words a name is made of."""

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+")


def fold(text: str | None) -> str | None:
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The folded words of a text: runs of letters and digits."""
    return _WORD.findall(fold(text) or "")


def other_name_words(first: str | None, last: str | None, company: str | None) -> str:
    """The words of a customer's names that the start of the last name does not hold,
    each after a space (" jean luc smith" for Jean-Luc Tremblay-Smith). Search finds a
    word of the names by the start of the last name (its ordered index) or here (one row
    per word in customer_name_word): between them, every word once."""
    last_words = words(last or "")
    key = fold(last or "")
    if last_words and key.startswith(last_words[0]):
        last_words = last_words[1:]
    found = words(first or "") + last_words + words(company or "")
    return "".join(f" {word}" for word in found)
