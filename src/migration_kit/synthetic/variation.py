"""How hand-keyed and re-keyed records differ: typos, OCR confusions, truncations, nicknames.

Every random choice is drawn with numpy up front (one array per decision), so the result depends
only on the seed; the string surgery itself runs per value over the (small) subset being changed.
Each function returns the new values and the mask of values it changed, so the caller labels
exactly the records that differ.

Example
-------
>>> rng = np.random.default_rng(0)
>>> out, changed = edit(rng, np.array(["Margaret", "Li"], dtype=object), 1)
>>> changed.tolist(), [len(v) for v in out] != [8, 2]
([True, True], True)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .identity import unique_numbers

__all__ = [
    "OCR_CONFUSIONS",
    "ascii_fold",
    "digit_typo",
    "edit",
    "mobile_numbers",
    "nickname",
    "ocr",
    "truncate",
    "unique_emails",
]

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, str]:
    """Letter -> the letters next to it on a QWERTY keyboard (same row and the rows around)."""
    out: dict[str, str] = {}
    for r, row in enumerate(_ROWS):
        for i, c in enumerate(row):
            near = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
            for other in (r - 1, r + 1):
                if 0 <= other < len(_ROWS):
                    near += [_ROWS[other][j] for j in (i - 1, i) if 0 <= j < len(_ROWS[other])]
            out[c] = "".join(sorted(set(near)))
    return out


_NEIGHBOURS = _keyboard_neighbours()
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
#: (text, read as) pairs a scanner or a hurried typist confuses.
OCR_CONFUSIONS: tuple[tuple[str, str], ...] = (
    ("rn", "m"),
    ("m", "rn"),
    ("cl", "d"),
    ("d", "cl"),
    ("li", "h"),
    ("h", "li"),
    ("w", "vv"),
    ("e", "c"),
    ("c", "e"),
    ("n", "u"),
    ("u", "n"),
    ("a", "o"),
    ("i", "l"),
    ("l", "I"),
    ("ü", "u"),
    ("ö", "o"),
    ("ä", "a"),
    ("ß", "B"),
)


def _same_case(c: str, like: str) -> str:
    return c.upper() if like.isupper() else c


def _one_edit(s: str, kind: int, pos: float, pick: float) -> str:
    """One edit of ``s``: 0 substitute (a keyboard neighbour mostly), 1 delete, 2 insert
    (a doubled letter mostly), 3 transpose two neighbours; the first letter is kept."""
    n = len(s)
    if n < 2:
        return s + _LETTERS[int(pick * 26)]
    if kind == 3:
        i = 1 + int(pos * (n - 2)) if n > 2 else 0
        if s[i] != s[i + 1]:
            return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
        kind = 0
    i = min(1 + int(pos * (n - 1)), n - 1)
    if kind == 1 and n >= 4:
        return s[:i] + s[i + 1 :]
    if kind == 2:
        c = s[i - 1].lower() if pick < 0.4 else _LETTERS[int(pick * 26)]
        return s[:i] + _same_case(c, s[i]) + s[i:]
    low = s[i].lower()
    near = _NEIGHBOURS.get(low, "")
    c = near[int(pick * len(near))] if near and pick < 0.7 else _LETTERS[int(pick * 26)]
    if c == low:
        c = _LETTERS[(_LETTERS.index(c) + 1) % 26] if c in _LETTERS else "e"
    return s[:i] + _same_case(c, s[i]) + s[i + 1 :]


def edit(
    rng: np.random.Generator,
    values: np.ndarray,
    edits: int | np.ndarray = 1,
    kinds: Sequence[int] = (0, 1, 2, 3),
) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``edits`` keyboard edits to each value (per value when an array); ``kinds`` are the
    edits to choose from: 0 substitution, 1 deletion, 2 insertion, 3 transposition.

    Example
    -------
    >>> out, _ = edit(np.random.default_rng(1), np.array(["Robert"], dtype=object), 2)
    >>> out[0] != "Robert" and out[0][0] == "R"
    True
    """
    out = np.asarray(values, dtype=object).copy()
    k = np.broadcast_to(np.asarray(edits, dtype=np.int64), out.shape)
    for round_ in range(int(k.max()) if len(k) else 0):
        kind = np.asarray(kinds, dtype=np.int64)[rng.integers(0, len(kinds), size=len(out))]
        pos, pick = rng.random(len(out)), rng.random(len(out))
        for i in np.flatnonzero(k > round_).tolist():
            if out[i]:
                out[i] = _one_edit(str(out[i]), int(kind[i]), float(pos[i]), float(pick[i]))
    return out, (out != np.asarray(values, dtype=object)) & (k > 0)


def ocr(rng: np.random.Generator, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Replace one confusable letter group (``rn`` -> ``m``, ``ü`` -> ``u`` ...) per value;
    values without any stay as they are.

    Example
    -------
    >>> ocr(np.random.default_rng(0), np.array(["Bernd", "xyz"], dtype=object))[1].tolist()
    [True, False]
    """
    out = np.asarray(values, dtype=object).copy()
    pick = rng.random(len(out))
    for i, s in enumerate(out.tolist()):
        if not s:
            continue
        hits = [(j, a, b) for a, b in OCR_CONFUSIONS for j in _find_all(s, a)]
        if hits:
            j, a, b = hits[int(pick[i] * len(hits))]
            out[i] = s[:j] + b + s[j + len(a) :]
    return out, out != np.asarray(values, dtype=object)


def _find_all(s: str, sub: str) -> list[int]:
    out, j = [], s.find(sub)
    while j >= 0:
        out.append(j)
        j = s.find(sub, j + 1)
    return out


def truncate(
    rng: np.random.Generator, values: np.ndarray, keep: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """Cut each value after ``keep`` or more characters (a field too short on a form).

    Example
    -------
    >>> names = np.array(["Alexandra", "Ed"], dtype=object)
    >>> out, changed = truncate(np.random.default_rng(0), names)
    >>> out[0].startswith("Ale") and len(out[0]) < 9, changed.tolist()
    (True, [True, False])
    """
    s = pd.Series(np.asarray(values, dtype=object), dtype=object).fillna("")
    n = s.str.len().to_numpy()
    cut = keep + (rng.random(len(s)) * np.maximum(n - keep, 0)).astype(np.int64)
    long = n > keep
    out = s.to_numpy(dtype=object).copy()
    for i in np.flatnonzero(long).tolist():
        out[i] = out[i][: int(cut[i])]
    return out, long & (out != s.to_numpy(dtype=object))


def nickname(
    rng: np.random.Generator, given: np.ndarray, table: Mapping[str, Sequence[str]]
) -> tuple[np.ndarray, np.ndarray]:
    """Replace given names that have nicknames in ``table`` by one of them (Robert -> Bob).

    Example
    -------
    >>> nickname(np.random.default_rng(0), np.array(["Robert", "Zoe"], dtype=object),
    ...          {"Robert": ("Bob",)})[0].tolist()
    ['Bob', 'Zoe']
    """
    g = np.asarray(given, dtype=object)
    pick = rng.random(len(g))
    out = g.copy()
    for name, nicks in table.items():
        m = g == name
        if m.any():
            out[m] = np.array(nicks, dtype=object)[(pick[m] * len(nicks)).astype(np.int64)]
    return out, out != g


_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def ascii_fold(values: np.ndarray, german: bool = False) -> np.ndarray:
    """Lowercase ASCII letters of each value (``german``: ü -> ue, ß -> ss first), per unique.

    Example
    -------
    >>> ascii_fold(np.array(["O'Brien", "Müller"], dtype=object), german=True).tolist()
    ['obrien', 'mueller']
    """
    s = pd.Series(np.asarray(values, dtype=object), dtype=object)
    folded = {}
    for v in pd.unique(s):
        t = str(v).translate(_FOLD) if german else str(v)
        t = unicodedata.normalize("NFKD", t)
        folded[v] = "".join(c for c in t if c.isascii() and c.isalpha()).lower()
    return s.map(folded).to_numpy(dtype=object)


def unique_emails(
    rng: np.random.Generator, given: np.ndarray, family: np.ndarray, domains: np.ndarray
) -> np.ndarray:
    """E-mail addresses built from the names the way people choose them, all distinct.

    Patterns: ``given.family``, ``givenfamily``, ``gfamily``, ``given_family``,
    ``family.given``, ``given`` + digits, ``given.family`` + digits; collisions get digits added
    until every address is unique.

    Example
    -------
    >>> e = unique_emails(np.random.default_rng(0), np.array(["Ann", "Ann"], dtype=object),
    ...                   np.array(["Lee", "Lee"], dtype=object),
    ...                   np.array(["gmail.com", "gmail.com"], dtype=object))
    >>> len(set(e.tolist())), e[0].endswith("@gmail.com")
    (2, True)
    """
    n = len(given)
    g, f = pd.Series(given, dtype=object), pd.Series(family, dtype=object)
    digits = pd.Series(rng.integers(1, 100, size=n)).astype(str)
    year = pd.Series(rng.integers(60, 100, size=n)).astype(str)
    forms = [
        g + "." + f,
        g + f,
        g.str[:1] + f,
        g + "_" + f,
        f + "." + g,
        g + digits,
        g + "." + f + year,
    ]
    style = rng.choice(len(forms), size=n, p=[0.3, 0.15, 0.15, 0.08, 0.07, 0.1, 0.15])
    local = pd.Series(np.empty(n, dtype=object), dtype=object)
    for k, form in enumerate(forms):
        local[style == k] = form[style == k]
    email = (local + "@" + pd.Series(domains, dtype=object)).to_numpy(dtype=object)
    while True:
        dup = pd.Series(email).duplicated().to_numpy()
        if not dup.any():
            return email
        at = pd.Series(email[dup]).str.split("@", n=1)
        more = pd.Series(rng.integers(1, 1000, size=int(dup.sum()))).astype(str)
        email[dup] = (at.str[0] + more + "@" + at.str[1]).to_numpy(dtype=object)


def digit_typo(rng: np.random.Generator, values: np.ndarray, skip: int = 2) -> np.ndarray:
    """Change one digit (after the first ``skip`` digits) of each digit string.

    Example
    -------
    >>> out = digit_typo(np.random.default_rng(0), np.array(["1511234567"], dtype=object))
    >>> out[0] != "1511234567" and out[0][:2] == "15"
    True
    """
    out = np.asarray(values, dtype=object).copy()
    pos, add = rng.random(len(out)), rng.integers(1, 10, size=len(out))
    for i, s in enumerate(out.tolist()):
        if len(s) > skip:
            j = skip + int(pos[i] * (len(s) - skip))
            if s[j].isdigit():
                out[i] = s[:j] + str((int(s[j]) + int(add[i])) % 10) + s[j + 1 :]
    return out


def mobile_numbers(
    rng: np.random.Generator, n: int, plans: Sequence[tuple[str, int]]
) -> np.ndarray:
    """``n`` distinct national mobile numbers (no trunk 0), a prefix and a subscriber number of
    the plan's width drawn per number.

    Example
    -------
    >>> m = mobile_numbers(np.random.default_rng(0), 3, [("7500", 6)])
    >>> [len(x) for x in m], m[0][:4]
    ([10, 10, 10], '7500')
    """
    which = rng.integers(0, len(plans), size=n)
    out = np.empty(n, dtype=object)
    for k, (prefix, width) in enumerate(plans):
        m = which == k
        sub = unique_numbers(rng, int(m.sum()), 0, 10**width)
        out[m] = (prefix + pd.Series(sub).astype(str).str.zfill(width)).to_numpy(dtype=object)
    return out
