"""The one failure table of the cleaning stage, and counts over it.

Every field function returns its outputs plus a ``reason`` column (None when the value is valid).
:class:`FailureTable` turns those reason columns into rows of the failure table defined in
``docs/architecture.md`` (columns :data:`~migration_kit.schema.FAILURE_COLUMNS`), masking the raw
value with :func:`migration_kit.masking.mask_series` so no personal value is ever stored in clear.

Example
-------
>>> import pandas as pd
>>> keys = pd.DataFrame({"source": ["shop"], "record_id": ["1"]})
>>> ft = FailureTable(keys)
>>> ft.add("email", "syntax", pd.Series(["a@b"]), pd.Series(["EMAIL_SYNTAX"]))
>>> ft.to_frame()[["field", "check", "reason_code"]].values.tolist()
[['email', 'syntax', 'EMAIL_SYNTAX']]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import masking
from ..schema import FAILURE_COLUMNS

__all__ = ["FailureTable", "empty_failures", "failure_counts"]

STAGE = "clean"


def empty_failures() -> pd.DataFrame:
    """Return an empty failure table with the contract columns (all object dtype)."""
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in FAILURE_COLUMNS})


class FailureTable:
    """Collect failure rows for one raw table, vectorized per field.

    Parameters
    ----------
    keys : DataFrame
        The ``source`` and ``record_id`` columns of the raw table, positionally aligned with every
        Series later passed to :meth:`add`.

    Example
    -------
    >>> import pandas as pd
    >>> ft = FailureTable(pd.DataFrame({"source": ["a", "a"], "record_id": ["1", "2"]}))
    >>> ft.add("phone", "valid", pd.Series(["123", "13812345678"]),
    ...        pd.Series(["PHONE_INVALID", None]))
    >>> len(ft.to_frame())
    1
    """

    def __init__(self, keys: pd.DataFrame) -> None:
        self._source = keys["source"].to_numpy(dtype=object)
        self._record_id = keys["record_id"].to_numpy(dtype=object)
        self._parts: list[pd.DataFrame] = []

    def add(
        self, field: str, check: str, raw: pd.Series, reason: pd.Series, stage: str = STAGE
    ) -> None:
        """Add one row per non-null ``reason``.

        Parameters
        ----------
        field : str
            Canonical field the check is about (also selects the masking rule).
        check : str
            Short check name, e.g. ``"valid"``, ``"syntax"``, ``"checksum"``.
        raw : Series
            Raw values (masked before storage), aligned with the raw table.
        reason : Series
            Reason code per row (UPPER_SNAKE) or None when the row passed.
        stage : str
            The stage that found the failure: ``clean``, or ``intake`` for what intake flagged
            (:data:`~migration_kit.schema.INTAKE_FLAGS`).
        """
        mask = reason.notna().to_numpy()
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        codes, uniques = pd.factorize(pd.Series(np.asarray(raw, dtype=object)[idx], dtype=object))
        masked = masking.mask_series(field, pd.Series(uniques, dtype=object)).to_numpy(dtype=object)
        masked = np.append(masked, masking.mask_value(field, None))[codes]  # code -1: missing raw
        self._parts.append(
            pd.DataFrame(
                {
                    "stage": stage,
                    "source": self._source[idx],
                    "record_id": self._record_id[idx],
                    "field": field,
                    "check": check,
                    "value_masked": masked,
                    "reason_code": np.asarray(reason, dtype=object)[idx],
                }
            )
        )

    def to_frame(self) -> pd.DataFrame:
        """Return all rows collected so far, in the order added, with a fresh RangeIndex."""
        if not self._parts:
            return empty_failures()
        out = pd.concat(self._parts, ignore_index=True)
        return out[list(FAILURE_COLUMNS)].astype(object)


def failure_counts(failures: pd.DataFrame) -> pd.DataFrame:
    """Count failures per field, check and reason code.

    Parameters
    ----------
    failures : DataFrame
        A failure table (columns :data:`~migration_kit.schema.FAILURE_COLUMNS`).

    Returns
    -------
    DataFrame
        Columns ``field, check, reason_code, n``, sorted by ``n`` descending then by name.

    Example
    -------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"field": ["phone", "phone"], "check": ["valid"] * 2,
    ...                   "reason_code": ["PHONE_INVALID"] * 2})
    >>> failure_counts(f)["n"].tolist()
    [2]
    """
    cols = ["field", "check", "reason_code"]
    if failures.empty:
        return pd.DataFrame(
            {**{c: pd.Series([], dtype=object) for c in cols}, "n": pd.Series([], dtype="int64")}
        )
    out = failures.groupby(cols, sort=True, dropna=False).size().rename("n").reset_index()
    out["n"] = out["n"].astype("int64")
    return out.sort_values(
        ["n", *cols], ascending=[False, True, True, True], kind="stable"
    ).reset_index(drop=True)
