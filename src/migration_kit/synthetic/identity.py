"""Vectorized identifiers: GB 11643-1999 resident IDs, CN mobiles and landlines, foreign mobiles.

Example
-------
>>> import numpy as np
>>> id_check_digits(np.array(["11010519491231002"], dtype=object))[0]
'X'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "INVALID_PREFIXES",
    "MOBILE_PREFIXES",
    "digits_string",
    "id_check_digits",
    "mobiles",
    "resident_ids",
    "unique_numbers",
]

#: Common valid mainland mobile prefixes (all accepted by phonenumbers).
MOBILE_PREFIXES: tuple[int, ...] = (
    *range(130, 140),
    *(150, 151, 152, 153, 155, 156, 157, 158, 159),
    *range(180, 190),
)
#: Prefixes phonenumbers rejects (used for PHONE_INVALID defects).
INVALID_PREFIXES: tuple[int, ...] = (140, 174)

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.array(list("10X98765432"), dtype=object)


def id_check_digits(first17: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check characters of 17-digit strings.

    Parameters
    ----------
    first17 : numpy.ndarray
        Object array of 17-digit strings.

    Returns
    -------
    numpy.ndarray
        Object array of check characters ("0"-"9" or "X").

    Example
    -------
    >>> import numpy as np
    >>> id_check_digits(np.array(["44052418800101001"], dtype=object)).tolist()
    ['4']
    """
    if len(first17) == 0:
        return np.array([], dtype=object)
    raw = np.frombuffer("".join(first17).encode("ascii"), dtype=np.uint8).reshape(-1, 17) - 48
    return _CHECK[(raw.astype(np.int64) @ _WEIGHTS) % 11]


def digits_string(values: np.ndarray, width: int) -> pd.Series:
    """Zero-padded decimal strings of non-negative integers (vectorized).

    Example
    -------
    >>> import numpy as np
    >>> digits_string(np.array([7, 42]), 3).tolist()
    ['007', '042']
    """
    return pd.Series(np.asarray(values, dtype=np.int64)).astype(str).str.zfill(width)


def resident_ids(
    rng: np.random.Generator, region_codes: np.ndarray, birth: np.ndarray, male: np.ndarray
) -> np.ndarray:
    """Build valid 18-character resident IDs consistent with birth date and gender.

    Parameters
    ----------
    rng : numpy.random.Generator
    region_codes : numpy.ndarray
        6-digit GB/T 2260 codes (str).
    birth : numpy.ndarray
        ``datetime64[D]`` birth dates.
    male : numpy.ndarray
        Bool; the sequence number is odd for men and even for women.

    Returns
    -------
    numpy.ndarray
        Object array of IDs.

    Example
    -------
    >>> import numpy as np
    >>> ids = resident_ids(np.random.default_rng(0), np.array(["110105"], dtype=object),
    ...                    np.array(["1990-03-05"], dtype="datetime64[D]"), np.array([True]))
    >>> ids[0][:14], int(ids[0][16]) % 2
    ('11010519900305', 1)
    """
    n = len(region_codes)
    seq = rng.integers(0, 500, size=n) * 2 + np.where(male, 1, 0)
    d = np.asarray(birth).astype("datetime64[D]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month = (d.astype("datetime64[M]") - d.astype("datetime64[Y]")).astype(np.int64) + 1
    day = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    code = pd.to_numeric(pd.Series(region_codes, dtype=object)).to_numpy(dtype=np.int64)
    number = (
        code * 10**11 + (year * 10000 + month * 100 + day) * 1000 + seq
    )  # 17 digits fit in int64
    first17 = pd.Series(number).astype(str).to_numpy(dtype=object)
    return (pd.Series(first17) + id_check_digits(first17)).to_numpy(dtype=object)


def unique_numbers(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """Draw ``n`` distinct integers in ``[low, high)`` in random order.

    Example
    -------
    >>> v = unique_numbers(np.random.default_rng(1), 5, 0, 10)
    >>> len(set(v.tolist()))
    5
    """
    if n > high - low:
        raise ValueError(f"cannot draw {n} distinct numbers from a range of {high - low}")
    out = rng.integers(low, high, size=n, dtype=np.int64)
    while True:
        _, first = np.unique(out, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            return out
        out[dup] = rng.integers(low, high, size=int(dup.sum()), dtype=np.int64)


def mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    """Distinct valid mainland mobile numbers as 11-digit strings.

    Example
    -------
    >>> m = mobiles(np.random.default_rng(0), 3)
    >>> [len(x) for x in m]
    [11, 11, 11]
    """
    prefixes = np.array(MOBILE_PREFIXES, dtype=np.int64)
    space = len(prefixes) * 10**8
    code = unique_numbers(rng, n, 0, space)
    full = prefixes[code // 10**8] * 10**8 + code % 10**8
    return pd.Series(full).astype(str).to_numpy(dtype=object)
