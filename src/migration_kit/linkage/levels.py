"""Vectorized pair tests: comparison levels and conflict rules, each registered by name.

A :class:`ColumnData` factorizes one std column once (integer codes per record, unique values,
derived per-unique keys such as suffixes or date parts); a level test then takes the record
index arrays ``i`` and ``j`` of the pairs still undecided and returns a boolean array. Exact tests
compare integer codes; string similarity runs in rapidfuzz's C++ (``process.cpdist``, element-wise,
all cores); derived keys (prefix, suffix, email local part) are computed once per unique value.

Level tests are the entries of :data:`LEVEL_TESTS` (a :class:`~migration_kit.registry.Registry`),
all with one signature ``fn(col, i, j, threshold, *, missing=None, other=None) -> bool array``.
An entry's parameters say whether the level needs a ``threshold`` (:data:`REQUIRED`), and its
``needs`` what else the test needs:

- ``missing`` / ``other``: a second column the level must name (:data:`SECOND_COLUMNS`);
- ``dates``: the column holds datetime64 values; ``strings``: no column read holds dates (string
  similarity or string keys); neither: any column.

:func:`run_test` checks all of this generically before calling the test; the spec
(:class:`~migration_kit.linkage.spec.Level`) validates a level against the same entry.

Conflict tests (:data:`CONFLICT_TESTS`, "these two records are different people") are built once
per column: ``fn(values, params)`` returns a function of ``(i, j)`` that is True where the two
records conflict; their parameters are the :class:`~migration_kit.linkage.spec.ConflictRule` keys
they read.

rapidfuzz is imported where it is used: the spec imports this module, and reading a params file
does not load rapidfuzz.

Example
-------
>>> import numpy as np, pandas as pd
>>> col = ColumnData(pd.Series(["+8613812345678", "+8613812345670", None]))
>>> run_test("hamming", col, np.array([0, 0]), np.array([1, 2]), 1).tolist()
[True, False]
>>> LEVEL_TESTS["hamming"].params, LEVEL_TESTS["swapped"].needs
({'threshold': REQUIRED}, ('other', 'strings'))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd

from ..errors import LinkageError
from ..registry import REQUIRED, Registry

__all__ = [
    "CONFLICT_TESTS",
    "CROSS_TESTS",
    "LEVEL_TESTS",
    "SECOND_COLUMNS",
    "ColumnData",
    "ConflictTest",
    "LevelTest",
    "PairTest",
    "email_name_pairs",
    "local_letters",
    "name_concat",
    "run_test",
    "swapped_pairs",
]

WORKERS = -1

#: Second columns a level test may need, and what each is (used in messages).
SECOND_COLUMNS: dict[str, str] = {
    "missing": "the column that must be null on at least one side, e.g. given_name",
    "other": "the column read on the other record, e.g. pinyin_key or family_name",
}


class ColumnData:
    """One column factorized for fast pair tests.

    Parameters
    ----------
    values : pandas.Series
        The column (strings or datetime64); nulls allowed.
    name : str
        Column name, used in error messages.
    """

    def __init__(self, values: pd.Series, name: str = "") -> None:
        self.name = name
        self.is_date = pd.api.types.is_datetime64_any_dtype(values)
        codes, uniques = pd.factorize(values, sort=False)
        self.codes: np.ndarray = codes.astype(np.int32 if len(uniques) < 2**31 else np.int64)
        self.uniques: np.ndarray = np.asarray(
            uniques.astype(str) if not self.is_date else uniques, dtype=object
        )
        self._cache: dict[str, np.ndarray] = {}
        if self.is_date:
            u = pd.DatetimeIndex(uniques)
            self.days = u.values.astype("datetime64[D]").astype(np.int64)
            self.ymd = np.stack([u.year.values, u.month.values, u.day.values]).astype(np.int32)

    def derived(self, key: str, fn: Callable[[pd.Series], pd.Series]) -> np.ndarray:
        """Per-record code of a per-unique derived value (-1 where null)."""
        if key not in self._cache:
            der = fn(pd.Series(self.uniques, dtype=object))
            dcodes, _ = pd.factorize(der)
            self._cache[key] = np.append(dcodes, -1).astype(np.int64)[self.codes]
        return self._cache[key]

    def derived_hash(self, key: str, fn: Callable[[pd.Series], pd.Series]) -> np.ndarray:
        """Per-record uint64 hash of a per-unique derived string (0 where null): comparable
        across columns."""
        if key not in self._cache:
            der = fn(pd.Series(self.uniques, dtype=object))
            h = pd.util.hash_array(der.fillna("").astype(str).to_numpy(dtype=object))
            h = np.where(der.isna().to_numpy() | (h == 0), np.uint64(0), h).astype(np.uint64)
            self._cache[key] = np.append(h, np.uint64(0))[self.codes]
        return self._cache[key]

    def strings(self, idx: np.ndarray) -> np.ndarray:
        """Values of records ``idx`` (must be non-null) as an object array."""
        return self.uniques[self.codes[idx]]


class LevelTest(Protocol):
    """The one signature of a level test (``threshold`` is NaN when the test takes none)."""

    def __call__(
        self,
        col: ColumnData,
        i: np.ndarray,
        j: np.ndarray,
        threshold: float,
        *,
        missing: ColumnData | None = None,
        other: ColumnData | None = None,
    ) -> np.ndarray: ...


#: Level test name -> entry (function, ``threshold`` parameter, needs); see the module docstring.
LEVEL_TESTS: Registry[LevelTest] = Registry("level test")


def _both(col: ColumnData, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return (col.codes[i] >= 0) & (col.codes[j] >= 0)


def _scored(
    col: ColumnData,
    i: np.ndarray,
    j: np.ndarray,
    scorer: Callable[..., Any],
    keep: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    from rapidfuzz import process

    ok = _both(col, i, j)
    out = np.zeros(len(i), dtype=bool)
    idx = np.flatnonzero(ok)
    if len(idx):
        s = process.cpdist(col.strings(i[idx]), col.strings(j[idx]), scorer=scorer, workers=WORKERS)
        out[idx] = keep(s)
    return out


def _derived_eq(
    col: ColumnData, i: np.ndarray, j: np.ndarray, key: str, fn: Callable[[pd.Series], pd.Series]
) -> np.ndarray:
    d = col.derived(key, fn)
    return (d[i] == d[j]) & (d[i] >= 0)


def _second(c: ColumnData | None, key: str) -> ColumnData:
    """The second column ``key`` (run_test has checked it is given)."""
    if c is None:
        raise LinkageError(f"the {key!r} column is missing; add '{key}: <column>' to the level")
    return c


@LEVEL_TESTS.register("exact")
def _exact(
    col: ColumnData,
    i: np.ndarray,
    j: np.ndarray,
    threshold: float,
    *,
    missing: ColumnData | None = None,
    other: ColumnData | None = None,
) -> np.ndarray:
    """Equal values."""
    return (col.codes[i] == col.codes[j]) & (col.codes[i] >= 0)


@LEVEL_TESTS.register("jaro_winkler", needs=("strings",), threshold=REQUIRED)
def _jw(
    col: ColumnData,
    i: np.ndarray,
    j: np.ndarray,
    threshold: float,
    *,
    missing: ColumnData | None = None,
    other: ColumnData | None = None,
) -> np.ndarray:
    """Jaro-Winkler similarity >= threshold."""
    from rapidfuzz.distance import JaroWinkler

    return _scored(col, i, j, JaroWinkler.normalized_similarity, lambda s: s >= threshold)


@LEVEL_TESTS.register("levenshtein", needs=("strings",), threshold=REQUIRED)
def _lev(
    col: ColumnData,
    i: np.ndarray,
    j: np.ndarray,
    threshold: float,
    *,
    missing: ColumnData | None = None,
    other: ColumnData | None = None,
) -> np.ndarray:
    """Normalized Levenshtein similarity >= threshold."""
    from rapidfuzz.distance import Levenshtein

    return _scored(col, i, j, Levenshtein.normalized_similarity, lambda s: s >= threshold)


@LEVEL_TESTS.register("edit_distance", needs=("strings",), threshold=REQUIRED)
def _edit(
    col: ColumnData,
    i: np.ndarray,
    j: np.ndarray,
    threshold: float,
    *,
    missing: ColumnData | None = None,
    other: ColumnData | None = None,
) -> np.ndarray:
    """Levenshtein distance <= threshold."""
    from rapidfuzz.distance import Levenshtein

    return _scored(col, i, j, Levenshtein.distance, lambda s: s <= threshold)


@LEVEL_TESTS.register("hamming", needs=("strings",), threshold=REQUIRED)
def _hamming(
    col: ColumnData,
    i: np.ndarray,
    j: np.ndarray,
    threshold: float,
    *,
    missing: ColumnData | None = None,
    other: ColumnData | None = None,
) -> np.ndarray:
    """Equal length and Hamming distance <= threshold."""
    from rapidfuzz.distance import Hamming

    n = int(threshold)
    lens = col.derived("len", lambda s: s.str.len())
    out = _scored(col, i, j, Hamming.distance, lambda s: s <= n)
    return out & (lens[i] == lens[j])


@LEVEL_TESTS.register("suffix", needs=("strings",), threshold=REQUIRED)
def _suffix(
    col: ColumnData,
    i: np.ndarray,
    j: np.ndarray,
    threshold: float,
    *,
    missing: ColumnData | None = None,
    other: ColumnData | None = None,
) -> np.ndarray:
    """The last ``threshold`` characters are equal."""
    n = int(threshold)
    return _derived_eq(col, i, j, f"suffix{n}", lambda s: s.where(s.str.len() >= n).str[-n:])


@LEVEL_TESTS.register("prefix", needs=("strings",), threshold=REQUIRED)
def _prefix(
    col: ColumnData,
    i: np.ndarray,
    j: np.ndarray,
    threshold: float,
    *,
    missing: ColumnData | None = None,
    other: ColumnData | None = None,
) -> np.ndarray:
    """The first ``threshold`` characters are equal."""
    n = int(threshold)
    return _derived_eq(col, i, j, f"prefix{n}", lambda s: s.where(s.str.len() >= n).str[:n])


@LEVEL_TESTS.register("email_local", needs=("strings",))
def _email_local(
    col: ColumnData,
    i: np.ndarray,
    j: np.ndarray,
    threshold: float,
    *,
    missing: ColumnData | None = None,
    other: ColumnData | None = None,
) -> np.ndarray:
    """The same part before '@'."""
    return _derived_eq(col, i, j, "local", lambda s: s.str.split("@").str[0].replace("", None))


def _parts(
    col: ColumnData, i: np.ndarray, j: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    ok = _both(col, i, j)
    ci, cj = np.where(ok, col.codes[i], 0), np.where(ok, col.codes[j], 0)
    return ok, col.ymd[:, ci], col.ymd[:, cj], ci, cj


@LEVEL_TESTS.register("date_transposed", needs=("dates",))
def _transposed(
    col: ColumnData,
    i: np.ndarray,
    j: np.ndarray,
    threshold: float,
    *,
    missing: ColumnData | None = None,
    other: ColumnData | None = None,
) -> np.ndarray:
    """The same year, day and month swapped."""
    ok, a, b, _, _ = _parts(col, i, j)
    return ok & (a[0] == b[0]) & (a[1] == b[2]) & (a[2] == b[1])


@LEVEL_TESTS.register("date_components", needs=("dates",), threshold=REQUIRED)
def _components(
    col: ColumnData,
    i: np.ndarray,
    j: np.ndarray,
    threshold: float,
    *,
    missing: ColumnData | None = None,
    other: ColumnData | None = None,
) -> np.ndarray:
    """At least ``threshold`` of year, month and day are equal."""
    ok, a, b, _, _ = _parts(col, i, j)
    return ok & ((a == b).sum(axis=0) >= int(threshold))


@LEVEL_TESTS.register("date_within_days", needs=("dates",), threshold=REQUIRED)
def _within(
    col: ColumnData,
    i: np.ndarray,
    j: np.ndarray,
    threshold: float,
    *,
    missing: ColumnData | None = None,
    other: ColumnData | None = None,
) -> np.ndarray:
    """|a - b| <= threshold days."""
    ok, _, _, ci, cj = _parts(col, i, j)
    return ok & (np.abs(col.days[ci] - col.days[cj]) <= threshold)


@LEVEL_TESTS.register("partial", needs=("missing",))
def _partial(
    col: ColumnData,
    i: np.ndarray,
    j: np.ndarray,
    threshold: float,
    *,
    missing: ColumnData | None = None,
    other: ColumnData | None = None,
) -> np.ndarray:
    """Equal values, and column ``missing`` null on one side or both."""
    m = _second(missing, "missing")
    return _exact(col, i, j, threshold) & ((m.codes[i] < 0) | (m.codes[j] < 0))


@LEVEL_TESTS.register("differs")
def _differs(
    col: ColumnData,
    i: np.ndarray,
    j: np.ndarray,
    threshold: float,
    *,
    missing: ColumnData | None = None,
    other: ColumnData | None = None,
) -> np.ndarray:
    """Both known and different (e.g. phone_type: a landline vs a mobile)."""
    return (col.codes[i] != col.codes[j]) & _both(col, i, j)


def local_letters(s: pd.Series) -> pd.Series:
    """Lower-case a-z letters of an email's local part (null when fewer than 4).

    Arrow string kernels (no Python per value).

    Example
    -------
    >>> local_letters(pd.Series(["Zhiying.Liu88@qq.com", "ab1@x.cn"])).tolist()
    ['zhiyingliu', None]
    """
    t = s.astype("string[pyarrow]").str.replace(r"@.*$", "", regex=True).str.lower()
    t = t.str.replace(r"[^a-z]", "", regex=True)
    return _obj(t.where(t.str.len() >= 4))


def name_concat(s: pd.Series, reverse: bool = False) -> pd.Series:
    """A name's whitespace tokens joined (reversed order with ``reverse``); null under 2 tokens.

    Joined in order with an Arrow kernel; reversed in Python (a regex with back-references is
    five times slower than ``str.split`` on 300k distinct names).

    Example
    -------
    >>> name_concat(pd.Series(["liu zhiying", "liu", "a b c d"]), reverse=True).tolist()
    ['zhiyingliu', None, 'dcba']
    """
    t = s.astype("string[pyarrow]").str.lower().str.strip().str.replace(r"\s+", " ", regex=True)
    n_tok = t.str.count(" ") + 1
    if not reverse:
        out = t.str.replace(" ", "", regex=False)
    else:
        vals = t.astype(object).where(t.notna(), None).to_numpy()
        out = pd.Series(
            ["".join(x.split()[::-1]) if x is not None else None for x in vals],
            index=s.index,
            dtype=object,
        )
    return _obj(pd.Series(out, index=s.index).where((n_tok >= 2).fillna(False)))


def _obj(t: pd.Series) -> pd.Series:
    """Object Series with None for nulls (what callers factorize)."""
    out = t.astype(object)
    return out.where(t.notna(), None)


@LEVEL_TESTS.register("email_name", needs=("other", "strings"))
def _email_name(
    col: ColumnData,
    i: np.ndarray,
    j: np.ndarray,
    threshold: float,
    *,
    missing: ColumnData | None = None,
    other: ColumnData | None = None,
) -> np.ndarray:
    """The email local-part letters of one record spell the other's ``other`` name tokens joined.

    Either token order ("zhiyingliu88@" vs "liu zhiying").
    """
    names = _second(other, "other")
    e = col.derived_hash("local_letters", local_letters)
    fwd = names.derived_hash("concat", name_concat)
    rev = names.derived_hash("rconcat", lambda x: name_concat(x, True))

    def hit(a: np.ndarray, b: np.ndarray) -> np.ndarray:  # email of a spells the name of b
        return (e[a] != 0) & ((e[a] == fwd[b]) | (e[a] == rev[b]))

    return hit(i, j) | hit(j, i)


@LEVEL_TESTS.register("swapped", needs=("other", "strings"), threshold=REQUIRED)
def _swapped(
    col: ColumnData,
    i: np.ndarray,
    j: np.ndarray,
    threshold: float,
    *,
    missing: ColumnData | None = None,
    other: ColumnData | None = None,
) -> np.ndarray:
    """Fields swapped: a.col ~ b.other and a.other ~ b.col (Jaro-Winkler >= threshold).

    All four values known (given/family name or address lines entered in each other's place).
    """
    from rapidfuzz import process
    from rapidfuzz.distance import JaroWinkler

    o = _second(other, "other")
    ok = (col.codes[i] >= 0) & (col.codes[j] >= 0) & (o.codes[i] >= 0) & (o.codes[j] >= 0)
    out = np.zeros(len(i), dtype=bool)
    idx = np.flatnonzero(ok)
    if len(idx):
        jw = JaroWinkler.normalized_similarity
        s1 = process.cpdist(col.strings(i[idx]), o.strings(j[idx]), scorer=jw, workers=WORKERS)
        s2 = process.cpdist(o.strings(i[idx]), col.strings(j[idx]), scorer=jw, workers=WORKERS)
        out[idx] = (s1 >= threshold) & (s2 >= threshold)
    return out


def swapped_pairs(col: ColumnData, other: ColumnData, src: np.ndarray | None = None) -> int:
    """Record pairs whose ``col`` and ``other`` values are exactly swapped, over ALL pairs.

    Counted from value frequencies (a random sample almost never holds a swap): ordered pairs
    ``(r, s)`` with ``r.col == s.other`` and ``r.other == s.col``, self pairs removed, halved.
    With ``src`` (source codes) only cross-source pairs count. A lower bound for the
    Jaro-Winkler ``swapped`` level, far closer than the sampling floor.

    Example
    -------
    >>> g = ColumnData(pd.Series(["kale", "tschirn", "kale", "ann"]))
    >>> f = ColumnData(pd.Series(["tschirn", "kale", "tschirn", "ann"]))
    >>> swapped_pairs(g, f)  # 0-1, 2-1 (3 with itself is no pair)
    2
    """
    ok = (col.codes >= 0) & (other.codes >= 0)
    null = np.array([None], dtype=object)
    u = np.append(col.uniques, null).astype(str)[col.codes[ok]]
    v = np.append(other.uniques, null).astype(str)[other.codes[ok]]
    h1 = pd.util.hash_array(np.char.add(np.char.add(u, "\x1f"), v).astype(object))
    h2 = pd.util.hash_array(np.char.add(np.char.add(v, "\x1f"), u).astype(object))

    def cross(a: np.ndarray, b: np.ndarray) -> int:
        ua, ca = np.unique(a, return_counts=True)
        ub, cb = np.unique(b, return_counts=True)
        _, ia, ib = np.intersect1d(ua, ub, assume_unique=True, return_indices=True)
        return int((ca[ia].astype(np.int64) * cb[ib]).sum())

    total = cross(h1, h2) - int((u == v).sum())
    if src is not None:
        s = np.asarray(src)[ok].astype(np.uint64)
        with np.errstate(over="ignore"):
            within = cross(h1 * np.uint64(1_000_003) + s, h2 * np.uint64(1_000_003) + s)
        total = total - (within - int((u == v).sum()))
    return max(total, 0) // 2


def email_name_pairs(col: ColumnData, other: ColumnData) -> int:
    """Record pairs at level ``email_name`` with different ``other`` values, over ALL pairs.

    Counted from key frequencies (no sampling): pairs whose name values are equal sit at the
    higher ``exact`` / ``pinyin`` name levels (and include a record with itself), so they are
    taken out by counting per (key, name) as well. Sum over keys of (emails spelling the key) x
    (names joining to it, either order). An upper bound when a pair holds in both directions.

    Example
    -------
    >>> e = ColumnData(pd.Series(["liuzhiying1@q.cn", None, "zhiyingliu@q.cn", "lina@x"]))
    >>> n = ColumnData(pd.Series(["liu", "liu zhiying", "liu zhiying", "li na"]))
    >>> email_name_pairs(e, n)  # 0-1, 0-2 (2-1 share the name: a higher level; 2-2, 3-3 self)
    2
    """
    e = col.derived_hash("local_letters", local_letters)
    fwd = other.derived_hash("concat", name_concat)
    rev = other.derived_hash("rconcat", lambda x: name_concat(x, True))
    code = other.codes.astype(np.uint64)
    keep_rev = (rev != 0) & (rev != fwd)
    names = np.concatenate([fwd[fwd != 0], rev[keep_rev]])
    names_code = np.concatenate([code[fwd != 0], code[keep_rev]])

    def cross(ekeys: np.ndarray, nkeys: np.ndarray) -> int:
        ue, ce = np.unique(ekeys, return_counts=True)
        un, cn = np.unique(nkeys, return_counts=True)
        _, ia, ib = np.intersect1d(ue, un, assume_unique=True, return_indices=True)
        return int((ce[ia].astype(np.int64) * cn[ib]).sum())

    def mix(h: np.ndarray, c: np.ndarray) -> np.ndarray:  # (key, name) as one uint64
        with np.errstate(over="ignore"):
            return h * np.uint64(1_000_003) + c + np.uint64(1)

    ev = e[e != 0]
    if not len(ev) or not len(names):
        return 0
    return cross(ev, names) - cross(mix(ev, code[e != 0]), mix(names, names_code))


#: Level tests that compare ``column`` on one record with column ``other`` on the other record.
CROSS_TESTS: tuple[str, ...] = tuple(n for n in LEVEL_TESTS if "other" in LEVEL_TESTS[n].needs)


def run_test(
    test: str,
    col: ColumnData,
    i: np.ndarray,
    j: np.ndarray,
    threshold: float | None = None,
    missing: ColumnData | None = None,
    other: ColumnData | None = None,
) -> np.ndarray:
    """Evaluate level ``test`` on pairs ``(i[k], j[k])``; nulls never pass.

    ``missing`` and ``other`` are the second columns of :data:`SECOND_COLUMNS` (``partial`` needs
    ``missing`` null on at least one side; a cross test, :data:`CROSS_TESTS`, reads ``other`` on
    the other record). The entry's needs, its threshold and the column kinds are checked first; a
    level that lacks what its test needs raises :class:`~migration_kit.errors.LinkageError`.

    Example
    -------
    >>> col = ColumnData(pd.Series(["ab@x.cn", "ab@y.cn"]))
    >>> run_test("email_local", col, np.array([0]), np.array([1])).tolist()
    [True]
    >>> run_test("partial", col, np.array([0]), np.array([1]))
    Traceback (most recent call last):
    migration_kit.errors.LinkageError: level test 'partial' on column '' needs the 'missing' ...
    """
    entry = LEVEL_TESTS.get(test, "level test")
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    if len(i) == 0:
        return np.zeros(0, dtype=bool)
    second = {"missing": missing, "other": other}
    for key, what in SECOND_COLUMNS.items():
        if key in entry.needs and second[key] is None:
            raise LinkageError(
                f"level test {test!r} on column {col.name!r} needs the {key!r} column ({what}); "
                f"add '{key}: <column>' to the level"
            )
    given = {"threshold": threshold}
    for key in entry.required:
        if given.get(key) is None:
            raise LinkageError(
                f"level test {test!r} on column {col.name!r} needs a numeric {key}; "
                f"add e.g. '{key}: 0.9' to the level"
            )
    if "dates" in entry.needs and not col.is_date:
        raise LinkageError(
            f"level test {test!r} on column {col.name!r} needs datetime64 values; "
            "convert the column with pandas.to_datetime first or use a string test"
        )
    if "strings" in entry.needs:
        for c in (col, other):
            if c is not None and c.is_date:
                raise LinkageError(
                    f"level test {test!r} on date column {c.name!r} is not supported; "
                    "use exact, date_transposed, date_components or date_within_days"
                )
    thr = math.nan if threshold is None else float(threshold)
    return np.asarray(entry.fn(col, i, j, thr, missing=missing, other=other), dtype=bool)


# -- conflict tests ----------------------------------------------------------------------------

#: A conflict test prepared on one column: ``(i, j) -> bool array`` (True: different people).
PairTest = Callable[[np.ndarray, np.ndarray], np.ndarray]


class ConflictTest(Protocol):
    """The one signature of a conflict test: prepared once per column with the rule's params."""

    def __call__(self, values: pd.Series, params: Mapping[str, Any]) -> PairTest: ...


#: Conflict test name -> entry (function, the ConflictRule keys it reads as parameters).
CONFLICT_TESTS: Registry[ConflictTest] = Registry("conflict test")


@CONFLICT_TESTS.register("differ")
def _differ(values: pd.Series, params: Mapping[str, Any]) -> PairTest:
    """Both known and different."""
    codes = pd.factorize(values)[0].astype(np.int64)
    return lambda i, j: (codes[i] >= 0) & (codes[j] >= 0) & (codes[i] != codes[j])


@CONFLICT_TESTS.register("dates_differ")
def _dates_differ(values: pd.Series, params: Mapping[str, Any]) -> PairTest:
    """Both known dates, >= 2 of year/month/day differ and not day/month swapped."""
    d = pd.to_datetime(values, errors="coerce")
    ok = d.notna().to_numpy()
    ymd = np.stack([d.dt.year.fillna(-1), d.dt.month.fillna(-1), d.dt.day.fillna(-1)]).astype(
        np.int64
    )
    date = np.where(ok, ymd, -1)

    def fn(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        a, b = date[:, i], date[:, j]
        known = (a[0] >= 0) & (b[0] >= 0)
        same = (a == b).sum(axis=0)
        swap = (a[0] == b[0]) & (a[1] == b[2]) & (a[2] == b[1])
        return known & (same < 2) & ~swap

    return fn


@CONFLICT_TESTS.register("same_value")
def _same_value(values: pd.Series, params: Mapping[str, Any]) -> PairTest:
    """Equal (e.g. ``source``: at most one record per deduplicated source)."""
    codes = pd.factorize(values)[0].astype(np.int64)
    return lambda i, j: (codes[i] >= 0) & (codes[i] == codes[j])


class _TokenRule:
    """``tokens_differ`` evaluated once per unique pair of values (cached), see
    :class:`~migration_kit.linkage.spec.ConflictRule`."""

    def __init__(
        self, values: pd.Series, threshold: float, min_tokens: int, max_edits: int
    ) -> None:
        from rapidfuzz.distance import OSA

        self._osa = OSA
        codes, uniq = pd.factorize(values)
        self.codes = codes.astype(np.int64)
        self.tokens = [tuple(str(u).split()) for u in uniq]
        self.k = max(len(uniq), 1)
        self.threshold, self.min_tokens, self.max_edits = threshold, min_tokens, max_edits
        self.cache: dict[int, bool] = {}

    def _differ(self, a: int, b: int) -> bool:
        ta, tb = self.tokens[a], self.tokens[b]
        if min(len(ta), len(tb)) < self.min_tokens:
            return False
        ra, rb = [t for t in ta if t not in tb], [t for t in tb if t not in ta]
        if not ra or not rb:
            return False
        if any(self._close("".join(ra), y) for y in ("".join(rb), "".join(reversed(rb)))):
            return False  # the rests as a whole are one typo apart (or re-spaced)
        # every token of one side has a close counterpart on the other (one typo per token)
        return not all(any(self._close(t, u) for u in rb) for t in ra) and not all(
            any(self._close(t, u) for u in ra) for t in rb
        )

    def _close(self, x: str, y: str) -> bool:
        return (
            self._osa.distance(x, y) <= self.max_edits
            or self._osa.normalized_similarity(x, y) >= self.threshold
        )

    def __call__(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        a, b = self.codes[i], self.codes[j]
        out = np.zeros(len(i), dtype=bool)
        todo = np.flatnonzero((a >= 0) & (b >= 0) & (a != b))
        if len(todo) == 0:
            return out
        key = np.minimum(a[todo], b[todo]) * self.k + np.maximum(a[todo], b[todo])
        uniq, inv = np.unique(key, return_inverse=True)
        for kk in uniq.tolist():
            if kk not in self.cache:
                self.cache[kk] = self._differ(kk // self.k, kk % self.k)
        out[todo] = np.fromiter((self.cache[kk] for kk in uniq.tolist()), bool, len(uniq))[
            inv.ravel()
        ]
        return out


@CONFLICT_TESTS.register("tokens_differ", threshold=REQUIRED, min_tokens=2, max_edits=1)
def _tokens_differ(values: pd.Series, params: Mapping[str, Any]) -> PairTest:
    """Name tokens: shared tokens dropped, both rests non-empty, not close (see ConflictRule)."""
    return _TokenRule(
        values, float(params["threshold"]), int(params["min_tokens"]), int(params["max_edits"])
    )
