"""Contact names that forgive: one matcher for every command that names a contact.

Members type names from memory, on phones, without accents: ``mary obrien`` must find
``Mary O'Brien`` rather than quietly start a second contact beside her. A name that is only
close (a unique start, a small typo) is never taken silently: the command asks "did you
mean" and the member confirms.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.errors import UserError
from bot.models import Contact
from bot.texts import contact_label

MIN_TYPO_LENGTH = 5
LONG_NAME = 10
MAX_SUGGESTIONS = 3

_DROPPED = str.maketrans("", "", "'’‘`´.\"")
_SPACED = str.maketrans(dict.fromkeys("-‐‑–—_,;:/()", " "))


@lru_cache(maxsize=65536)
def normalize(name: str) -> str:
    """The form names are compared in: no case, accents, apostrophes or extra spaces.

    Remembered, and ASCII skips the Unicode steps: every log and every keystroke of a
    suggestion compares against all of the member's names (14 ms for 1,000 uncached).
    """
    if name.isascii():
        folded = name.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", name.casefold())
        bare = "".join(c for c in decomposed if not unicodedata.combining(c))
        folded = unicodedata.normalize("NFKC", bare.casefold())
    return " ".join(folded.translate(_DROPPED).translate(_SPACED).split())


@dataclass(frozen=True)
class NameMatch:
    """The contact a typed name means (``exact``), or those it may mean (``close``)."""

    exact: Contact | None
    close: tuple[Contact, ...]


def match_name(typed: str, contacts: Sequence[Contact]) -> NameMatch:
    """Find ``typed`` among ``contacts`` (newest last, as stored).

    An exact match after normalising always wins. Otherwise the close ones are those whose
    name starts with what was typed (word by word) or differs by a typo, most alike first,
    newest first among equals, at most ``MAX_SUGGESTIONS``.
    """
    wanted = normalize(typed)
    if not wanted:
        return NameMatch(None, ())
    scored: list[tuple[float, int, Contact]] = []
    for contact in contacts:
        name = normalize(contact.name)
        if name == wanted:
            return NameMatch(contact, ())
        score = _closeness(wanted, name)
        if score:
            scored.append((score, contact.id, contact))
    scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
    return NameMatch(None, tuple(c for _, _, c in scored[:MAX_SUGGESTIONS]))


def close_to(typed: str) -> Callable[[str], bool]:
    """The test ``match_name`` puts each name to, on its own: whether a stored name is the
    one ``typed`` means or one it may mean. A store applies it to its rows, so a member with
    1,000 contacts has only the few close ones built, not all of them on every new name."""
    wanted = normalize(typed)
    if not wanted:
        return lambda name: False

    def keep(name: str) -> bool:
        found = normalize(name)
        return found == wanted or _closeness(wanted, found) > 0

    return keep


def _closeness(wanted: str, name: str) -> float:
    """How likely ``wanted`` means ``name``: 0 for not at all, above 1 for a start of it,
    below 1 for a likely typo (fewer edits, higher)."""
    if not name:
        return 0.0
    if _starts_words(wanted.split(), name.split()) or name.replace(" ", "") == wanted.replace(
        " ", ""
    ):
        return 1.0 + len(wanted) / max(len(name), 1)
    if not _may_be_typo(wanted, name):
        return 0.0
    edits = _edits_within(wanted, name, _allowed_edits(name))
    return 0.0 if edits is None else 1.0 - edits / 10


def _allowed_edits(name: str) -> int:
    """One slip in a short name, two in a long one; none below five letters, where one
    letter makes a different name (Ann and Dan)."""
    if len(name) < MIN_TYPO_LENGTH:
        return 0
    return 2 if len(name) >= LONG_NAME else 1


def _may_be_typo(wanted: str, name: str) -> bool:
    """Typos keep the first letter and any numbers (``Contact 1`` is not ``Contact 2``)."""
    digits = [c for c in wanted if c.isdigit()] == [c for c in name if c.isdigit()]
    return wanted[0] == name[0] and digits and bool(_allowed_edits(name))


def _edits_within(a: str, b: str, limit: int) -> int | None:
    """The edit distance of ``a`` and ``b`` (adjacent swaps count as one) if at most
    ``limit``, else None; only a band of the table is filled, so it is cheap."""
    if abs(len(a) - len(b)) > limit:
        return None
    far = limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [far] * len(b)
        for j in range(max(1, i - limit), min(len(b), i + limit) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, before[j - 2] + 1)
            current[j] = best
        before, previous = previous, current
        if min(current) > limit:
            return None
    return previous[len(b)] if previous[len(b)] <= limit else None


def _starts_words(typed: list[str], words: list[str]) -> bool:
    """Each typed word starts the name's word in the same place (``mary ob`` for ``mary
    obrien``; ``jane`` for ``jane doe``)."""
    if len(typed) > len(words):
        return False
    return all(w.startswith(t) for t, w in zip(typed, words, strict=False))


def did_you_mean(typed: str, close: Sequence[Contact]) -> str:
    """The refusal for a name only close to ones already logged: which they may mean, how
    to pick one, and how to say it is someone new."""
    options = " or ".join(contact_label(c) for c in close)
    return (
        f"Did you mean {options}? Type the name as you logged it, or add `new:yes` if "
        f"“{typed.strip()}” is someone new."
    )


def did_you_mean_in_a_form(typed: str, close: Sequence[Contact]) -> str:
    """The same refusal for a name given in a form, which has no ``new:yes`` to add: the
    choices come as buttons only."""
    options = " or ".join(contact_label(c) for c in close)
    return (
        f"Did you mean {options}? Choose “Yes, …” to log it for them, or “No, someone new” "
        f"if “{typed.strip()}” is someone new."
    )


class CloseNames(UserError):
    """A name only close to ones already logged: refused with "did you mean", and the
    choices kept so a platform can offer each as a button."""

    def __init__(self, typed: str, close: Sequence[Contact]) -> None:
        super().__init__(did_you_mean(typed, close))
        self.typed = typed
        self.close = tuple(close)

    def in_a_form(self) -> str:
        return did_you_mean_in_a_form(self.typed, self.close)
