"""Profile the standardized records for linkage planning: what each field holds, how often, in
which script, and how much it tells two people apart.

One row per std column the planner can use, with aggregate figures only (no value of any
person): fill rate (overall, and lowest and highest per source), distinct values, the share of
filled records whose value no other record holds, the share of the most frequent value, the
information in bits (entropy of the value distribution), the share of values in CJK script, in
Latin letters and in digits, and the mean length. :mod:`.plan` reads it to choose comparisons and
blocking passes.

Example
-------
>>> import pandas as pd

from ..schema import COUNTRY_GIVEN, STD_COLUMNS
>>> std = pd.DataFrame({"source": ["a", "a", "b"], "record_id": ["1", "2", "1"],
...                     "family_name": ["王", "王", "Li"], "phone": [None, "+8613800000000", None]})
>>> p = profile_records(std)
>>> p.loc["family_name", ["fill", "cjk", "latin"]].round(3).tolist()
[1.0, 0.667, 0.333]
>>> int(p.at["family_name", "distinct"])
2
>>> p.loc["phone", ["fill", "fill_min_source", "fill_max_source"]].tolist()
[0.3333333333333333, 0.0, 0.5]
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..schema import COUNTRY_GIVEN, STD_COLUMNS

__all__ = ["PROFILED_FIELDS", "PROFILE_COLUMNS", "profile_records"]

#: Std columns that say nothing about who a person is (activity, money, consent, derived codes).
_NOT_LINKED = (
    "region_code",
    "created_at",
    "last_activity_at",
    "total_spent",
    "order_count",
    "marketing_consent",
)
#: Std columns the planner may compare or block on.
PROFILED_FIELDS: tuple[str, ...] = (
    *(c for c in STD_COLUMNS if c not in _NOT_LINKED),
    COUNTRY_GIVEN,
)

PROFILE_COLUMNS: tuple[str, ...] = (
    "fill",
    "fill_min_source",
    "fill_max_source",
    "filled",
    "distinct",
    "unique_share",
    "top_share",
    "entropy_bits",
    "cjk",
    "latin",
    "digits",
    "mean_length",
)

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_DIGIT = re.compile(r"\d")


def _script_shares(values: pd.Series, counts: np.ndarray) -> tuple[float, float, float, float]:
    """Record-weighted shares of values with CJK, Latin letters, digits; mean length."""
    text = values.astype(str)
    weight = counts / max(counts.sum(), 1)
    cjk = text.str.contains(_CJK).to_numpy(dtype=bool)
    latin = text.str.contains(_LATIN).to_numpy(dtype=bool)
    digits = text.str.contains(_DIGIT).to_numpy(dtype=bool)
    length = text.str.len().to_numpy(dtype=float)
    return (
        float(weight[cjk].sum()),
        float(weight[latin].sum()),
        float(weight[digits].sum()),
        float((weight * length).sum()),
    )


def profile_records(std: pd.DataFrame, fields: Sequence[str] = PROFILED_FIELDS) -> pd.DataFrame:
    """Aggregate profile of the fields present in ``std`` (see the module docstring).

    Parameters
    ----------
    std : pandas.DataFrame
        Standardized records of all sources (``source`` column used for per-source fill).
    fields : sequence of str
        Columns to profile; those absent from ``std`` are left out.

    Returns
    -------
    pandas.DataFrame
        Indexed by field, columns :data:`PROFILE_COLUMNS`.
    """
    n = len(std)
    source = std["source"] if "source" in std.columns else pd.Series("all", index=std.index)
    rows = {}
    for field in fields:
        if field not in std.columns:
            continue
        s = std[field]
        present = s.notna().to_numpy(dtype=bool)
        filled = int(present.sum())
        by_source = pd.Series(present, index=std.index).groupby(source.to_numpy()).mean()
        row: dict[str, float | int] = {
            "fill": filled / n if n else 0.0,
            "fill_min_source": float(by_source.min()) if len(by_source) else 0.0,
            "fill_max_source": float(by_source.max()) if len(by_source) else 0.0,
            "filled": filled,
        }
        if filled:
            vc = s[present].value_counts(sort=False)
            counts = vc.to_numpy(dtype=np.int64)
            p = counts / filled
            row.update(
                distinct=len(vc),
                unique_share=float(counts[counts == 1].sum() / filled),
                top_share=float(p.max()),
                entropy_bits=float(-(p * np.log2(p)).sum()),
            )
            values = pd.Series(vc.index, dtype=object)
            if pd.api.types.is_datetime64_any_dtype(s.dtype):
                row.update(cjk=0.0, latin=0.0, digits=1.0, mean_length=10.0)
            else:
                cjk, latin, digits, length = _script_shares(values, counts)
                row.update(cjk=cjk, latin=latin, digits=digits, mean_length=length)
        else:
            row.update(
                distinct=0,
                unique_share=0.0,
                top_share=0.0,
                entropy_bits=0.0,
                cjk=0.0,
                latin=0.0,
                digits=0.0,
                mean_length=0.0,
            )
        rows[field] = row
    out = pd.DataFrame.from_dict(rows, orient="index", columns=list(PROFILE_COLUMNS))
    out.index.name = "field"
    return out.astype({"filled": np.int64, "distinct": np.int64})
