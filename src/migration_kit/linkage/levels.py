"""Vectorized comparison-level tests on record pairs.

A :class:`ColumnData` factorizes one std column once (integer codes per record, unique values,
derived per-unique keys such as suffixes or date parts); a level test then takes the record
index arrays ``i`` and ``j`` of the pairs still undecided and returns a boolean array. Exact tests
compare integer codes; string similarity runs in rapidfuzz's C++ (``process.cpdist``, element-wise,
all cores); derived keys (prefix, suffix, email local part) are computed once per unique value.

Example
-------
>>> import numpy as np, pandas as pd
>>> col = ColumnData(pd.Series(["+8613812345678", "+8613812345670", None]))
>>> run_test("hamming", col, np.array([0, 0]), np.array([1, 2]), 1).tolist()
[True, False]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import Hamming, JaroWinkler, Levenshtein

from ..errors import LinkageError

__all__ = [
    "TESTS",
    "ColumnData",
    "email_name_pairs",
    "local_letters",
    "name_concat",
    "run_test",
    "swapped_pairs",
]

WORKERS = -1


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
        self.codes = codes.astype(np.int32 if len(uniques) < 2**31 else np.int64)
        self.uniques = np.asarray(
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
        """Per-record uint64 hash of a per-unique derived string (0 where null): comparable across columns."""
        if key not in self._cache:
            der = fn(pd.Series(self.uniques, dtype=object))
            h = pd.util.hash_array(der.fillna("").astype(str).to_numpy(dtype=object))
            h = np.where(der.isna().to_numpy() | (h == 0), np.uint64(0), h).astype(np.uint64)
            self._cache[key] = np.append(h, np.uint64(0))[self.codes]
        return self._cache[key]

    def strings(self, idx: np.ndarray) -> np.ndarray:
        """Values of records ``idx`` (must be non-null) as an object array."""
        return self.uniques[self.codes[idx]]

    def _need_date(self, test: str) -> None:
        if not self.is_date:
            raise LinkageError(
                f"level test {test!r} on column {self.name!r} needs datetime64 values; "
                "convert the column with pandas.to_datetime first or use a string test"
            )


def _both(col: ColumnData, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return (col.codes[i] >= 0) & (col.codes[j] >= 0)


def _scored(col, i, j, scorer, keep: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    ok = _both(col, i, j)
    out = np.zeros(len(i), dtype=bool)
    idx = np.flatnonzero(ok)
    if len(idx):
        s = process.cpdist(col.strings(i[idx]), col.strings(j[idx]), scorer=scorer, workers=WORKERS)
        out[idx] = keep(s)
    return out


def _exact(col, i, j, thr):
    return (col.codes[i] == col.codes[j]) & (col.codes[i] >= 0)


def _derived_eq(col, i, j, key, fn):
    d = col.derived(key, fn)
    return (d[i] == d[j]) & (d[i] >= 0)


def _jw(col, i, j, thr):
    return _scored(col, i, j, JaroWinkler.normalized_similarity, lambda s: s >= thr)


def _lev(col, i, j, thr):
    return _scored(col, i, j, Levenshtein.normalized_similarity, lambda s: s >= thr)


def _edit(col, i, j, thr):
    return _scored(col, i, j, Levenshtein.distance, lambda s: s <= thr)


def _hamming(col, i, j, thr):
    n = int(thr)
    lens = col.derived("len", lambda s: s.str.len())
    out = _scored(col, i, j, Hamming.distance, lambda s: s <= n)
    return out & (lens[i] == lens[j])


def _suffix(col, i, j, thr):
    n = int(thr)
    return _derived_eq(col, i, j, f"suffix{n}", lambda s: s.where(s.str.len() >= n).str[-n:])


def _prefix(col, i, j, thr):
    n = int(thr)
    return _derived_eq(col, i, j, f"prefix{n}", lambda s: s.where(s.str.len() >= n).str[:n])


def _email_local(col, i, j, thr):
    return _derived_eq(col, i, j, "local", lambda s: s.str.split("@").str[0].replace("", None))


def _differs(col, i, j, thr):
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


def _email_name(col, i, j, thr, other):
    e = col.derived_hash("local_letters", local_letters)
    fwd = other.derived_hash("concat", name_concat)
    rev = other.derived_hash("rconcat", lambda x: name_concat(x, True))

    def hit(a, b):  # email of a spells the name of b
        return (e[a] != 0) & ((e[a] == fwd[b]) | (e[a] == rev[b]))

    return hit(i, j) | hit(j, i)


def _swapped(col, i, j, thr, other):
    """a.col ~ b.other and a.other ~ b.col (Jaro-Winkler >= thr), all four values known."""
    ok = (col.codes[i] >= 0) & (col.codes[j] >= 0) & (other.codes[i] >= 0) & (other.codes[j] >= 0)
    out = np.zeros(len(i), dtype=bool)
    idx = np.flatnonzero(ok)
    if len(idx):
        jw = JaroWinkler.normalized_similarity
        s1 = process.cpdist(col.strings(i[idx]), other.strings(j[idx]), scorer=jw, workers=WORKERS)
        s2 = process.cpdist(other.strings(i[idx]), col.strings(j[idx]), scorer=jw, workers=WORKERS)
        out[idx] = (s1 >= thr) & (s2 >= thr)
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
    u = np.append(col.uniques, None).astype(str)[col.codes[ok]]
    v = np.append(other.uniques, None).astype(str)[other.codes[ok]]
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


def _parts(col, i, j):
    ok = _both(col, i, j)
    ci, cj = np.where(ok, col.codes[i], 0), np.where(ok, col.codes[j], 0)
    return ok, col.ymd[:, ci], col.ymd[:, cj], ci, cj


def _transposed(col, i, j, thr):
    col._need_date("date_transposed")
    ok, a, b, _, _ = _parts(col, i, j)
    return ok & (a[0] == b[0]) & (a[1] == b[2]) & (a[2] == b[1])


def _components(col, i, j, thr):
    col._need_date("date_components")
    ok, a, b, _, _ = _parts(col, i, j)
    return ok & ((a == b).sum(axis=0) >= int(thr))


def _within(col, i, j, thr):
    col._need_date("date_within_days")
    ok, _, _, ci, cj = _parts(col, i, j)
    return ok & (np.abs(col.days[ci] - col.days[cj]) <= thr)


#: Level test name -> function(col, i, j, threshold) -> bool array.
TESTS: dict[str, Callable] = {
    "exact": _exact,
    "jaro_winkler": _jw,
    "levenshtein": _lev,
    "edit_distance": _edit,
    "hamming": _hamming,
    "suffix": _suffix,
    "prefix": _prefix,
    "email_local": _email_local,
    "date_transposed": _transposed,
    "date_components": _components,
    "date_within_days": _within,
    "differs": _differs,
    "partial": None,  # needs a second column: handled in run_test
    "email_name": None,  # needs the `other` column: handled in run_test
    "swapped": None,  # needs the `other` column: handled in run_test
}


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

    ``missing`` is the column that test ``partial`` needs null on at least one side; ``other``
    the column a cross test (``email_name``, ``swapped``) reads on the other record.

    Example
    -------
    >>> col = ColumnData(pd.Series(["ab@x.cn", "ab@y.cn"]))
    >>> run_test("email_local", col, np.array([0]), np.array([1])).tolist()
    [True]
    """
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    if len(i) == 0:
        return np.zeros(0, dtype=bool)
    if test == "partial":
        if missing is None:
            raise LinkageError(
                f"level test 'partial' on column {col.name!r} needs the 'missing' column; "
                "add 'missing: <column>' to the level"
            )
        return _exact(col, i, j, None) & ((missing.codes[i] < 0) | (missing.codes[j] < 0))
    if test == "email_name":
        if other is None:
            raise LinkageError(
                f"level test 'email_name' on column {col.name!r} needs the 'other' column "
                "(the name column, e.g. pinyin_key); add 'other: <column>' to the level"
            )
        return _email_name(col, i, j, threshold, other)
    if test == "swapped":
        if other is None:
            raise LinkageError(
                f"level test 'swapped' on column {col.name!r} needs the 'other' column "
                "(the column it is swapped with, e.g. family_name); add 'other: <column>'"
            )
        if col.is_date or other.is_date:
            raise LinkageError(
                f"level test 'swapped' on {col.name!r} / {other.name!r} needs string columns; "
                "date columns are compared with date_transposed instead"
            )
        return _swapped(col, i, j, threshold, other)
    if col.is_date and test in {
        "jaro_winkler",
        "levenshtein",
        "edit_distance",
        "hamming",
        "suffix",
        "prefix",
        "email_local",
        "email_name",
    }:
        raise LinkageError(
            f"level test {test!r} on date column {col.name!r} is not supported; "
            "use exact, date_transposed, date_components or date_within_days"
        )
    return np.asarray(TESTS[test](col, i, j, threshold), dtype=bool)
