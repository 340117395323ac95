"""Chinese resident identity numbers (GB 11643-1999), vectorized with numpy.

Checks, in order (the first failure is the reason):

* ``ID_PRECISION_LOST``: the value is a number rendering of a spreadsheet cell (``1.1E+17``,
  ``110105194912310000.0``): the cell held the ID as a float, whose 15-16 significant digits
  cannot hold 18; re-export the column as text.
* ``ID_FORMAT``: after NFKC, removing spaces/dashes and upper-casing, not 17 digits + digit/X and
  not a 15-digit old-style number.
* ``ID_CHECKSUM``: the ISO 7064 MOD 11-2 check digit (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2,
  remainders 0..10 -> ``1 0 X 9 8 7 6 5 4 3 2``) does not match.
* ``ID_REGION``: the first two digits are not a GB/T 2260 provincial code.
* ``ID_BIRTHDATE``: digits 7-14 are not a real date, are before 1900-01-01 or after
  ``reference_date``.

15-digit IDs (issued before 1999, no check digit, two-digit year) are **upgraded**: ``19`` is
inserted before the year and the check digit computed, as the issuing authorities do; the upgraded
number then goes through the same region and birth-date checks. Birth date and gender (17th digit
odd = male) come out of every valid ID so the caller can cross-check them (:func:`cross_check_id`)
or fill a record's missing birth date / gender from them.

Example
-------
>>> import datetime as dt, pandas as pd
>>> out = clean_id(
...     pd.Series(["11010519491231002X", "110105491231002"]), reference_date=dt.date(2024, 1, 1)
... )
>>> out["id_number"].tolist(), out["id_gender"].tolist()
(['11010519491231002X', '11010519491231002X'], ['F', 'F'])
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ._common import NULL, fullmatch, normalized_uniques, replace, spread, to_object

__all__ = ["ID_COLUMNS", "PROVINCE_PREFIXES", "check_digit", "clean_id", "cross_check_id"]

ID_COLUMNS = ["id_number", "id_birth_date", "id_gender", "reason"]

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.array(list("10X98765432"), dtype="<U1")
#: Provincial-level GB/T 2260 prefixes accepted as the first two digits.
PROVINCE_PREFIXES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    }
)
_PREFIX_INTS = np.array(sorted(int(p) for p in PROVINCE_PREFIXES), dtype=np.int64)


def _digits(first17: np.ndarray) -> np.ndarray:
    """(n,) array of 17-char digit strings -> (n, 17) int64 digit matrix."""
    arr = np.asarray(first17, dtype="<U17")
    return (
        (arr.view(np.uint32).reshape(len(arr), 17).astype(np.int64) - 48)
        if len(arr)
        else np.zeros((0, 17), np.int64)
    )


def check_digit(first17: np.ndarray) -> np.ndarray:
    """Return the MOD 11-2 check character of each 17-digit string.

    Example
    -------
    >>> check_digit(np.array(["11010519491231002"])).tolist()
    ['X']
    """
    return _CHECK[(_digits(first17) @ _WEIGHTS) % 11]


def clean_id(s: pd.Series, reference_date: dt.date) -> pd.DataFrame:
    """Validate and standardize resident ID numbers.

    Parameters
    ----------
    s : Series
        Raw ID strings (None for missing).
    reference_date : date
        Birth dates after this date are rejected (``ID_BIRTHDATE``).

    Returns
    -------
    DataFrame
        ``id_number`` (18 chars, uppercase X, None when invalid), ``id_birth_date``
        (datetime64[ns]), ``id_gender`` ("M"/"F") and ``reason``; same index as ``s``.

    Example
    -------
    >>> import datetime as dt, pandas as pd
    >>> clean_id(pd.Series(["110105194912310021"]), dt.date(2024, 1, 1))["reason"].tolist()
    ['ID_CHECKSUM']
    """
    codes, u = normalized_uniques(s)  # everything below runs once per distinct value
    n = len(u)
    t = pc.utf8_upper(replace(u, r"[\s\-]", ""))
    present = ~pc.is_null(t).to_numpy(zero_copy_only=False)
    is18 = fullmatch(t, r"\d{17}[\dX]")
    is15 = fullmatch(t, r"\d{15}")

    reason = np.full(n, None, dtype=object)
    reason[present & ~is18 & ~is15] = "ID_FORMAT"
    floated = fullmatch(t, r"\d(?:\.\d+)?E\+?\d+") | fullmatch(t, r"\d{6,}\.0+")
    reason[present & floated] = "ID_PRECISION_LOST"
    full = np.full(n, None, dtype=object)
    tv = to_object(t)
    if is18.any():
        v = tv[is18].astype("<U18")
        last = v.view("<U1").reshape(-1, 18)[:, 17]
        ok = check_digit(v.astype("<U17")) == last
        idx = np.flatnonzero(is18)
        reason[idx[~ok]] = "ID_CHECKSUM"
        full[idx[ok]] = v[ok].astype(object)
    if is15.any():
        cp = tv[is15].astype("<U15").view(np.uint32).reshape(-1, 15)
        century = np.broadcast_to(np.array([ord("1"), ord("9")], dtype=np.uint32), (len(cp), 2))
        first17 = (
            np.ascontiguousarray(np.hstack([cp[:, :6], century, cp[:, 6:]])).view("<U17").ravel()
        )
        full[is15] = np.char.add(first17, check_digit(first17)).astype(object)

    cand = pd.notna(full)
    born = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    gender = np.full(n, None, dtype=object)
    if cand.any():
        c = np.flatnonzero(cand)
        d = _digits(full[c].astype("<U18").astype("<U17"))
        region_ok = np.isin(d[:, 0] * 10 + d[:, 1], _PREFIX_INTS)
        ymd = d[:, 6:14] @ (10 ** np.arange(7, -1, -1, dtype=np.int64))
        b = pd.to_datetime(pd.Series(ymd), format="%Y%m%d", errors="coerce")
        b_ok = (
            b.notna() & (b >= pd.Timestamp(1900, 1, 1)) & (b <= pd.Timestamp(reference_date))
        ).to_numpy()
        reason[c[~region_ok]] = "ID_REGION"
        reason[c[region_ok & ~b_ok]] = "ID_BIRTHDATE"
        good = region_ok & b_ok
        born[c[good]] = b.to_numpy()[good]
        odd = d[:, 16] % 2 == 1
        gender[c[good]] = np.where(odd[good], "M", "F")
        full[c[~good]] = None
    return pd.DataFrame(
        {
            "id_number": spread(full, codes),
            "id_birth_date": spread(born, codes),
            "id_gender": spread(gender, codes),
            "reason": spread(reason, codes),
        },
        index=s.index,
    )


def cross_check_id(
    id_birth_date: pd.Series, id_gender: pd.Series, birth_date: pd.Series, gender: pd.Series
) -> pd.DataFrame:
    """Compare what a valid ID says with the record's own birth date and gender.

    Only rows where both sides are present are compared; a record missing its birth date or gender
    is not a mismatch (the caller fills it from the ID instead).

    Returns
    -------
    DataFrame
        ``birth_reason`` (``ID_BIRTH_MISMATCH`` or None) and ``gender_reason``
        (``ID_GENDER_MISMATCH`` or None).

    Example
    -------
    >>> import pandas as pd
    >>> r = cross_check_id(pd.Series(pd.to_datetime(["1990-01-01"])), pd.Series(["M"]),
    ...                    pd.Series(pd.to_datetime(["1991-01-01"])), pd.Series(["M"]))
    >>> r.values.tolist()
    [['ID_BIRTH_MISMATCH', None]]
    """
    bd_bad = (id_birth_date.notna() & birth_date.notna() & (id_birth_date != birth_date)).to_numpy()
    g_bad = (id_gender.notna() & gender.notna() & (id_gender != gender)).to_numpy()
    return pd.DataFrame(
        {
            "birth_reason": np.where(bd_bad, "ID_BIRTH_MISMATCH", NULL).astype(object),
            "gender_reason": np.where(g_bad, "ID_GENDER_MISMATCH", NULL).astype(object),
        },
        index=id_birth_date.index,
    )
