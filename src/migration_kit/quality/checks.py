"""Registry of small quality check functions (scoring lives here, apart from pipeline code).

A check function takes a :class:`CheckContext` (the table being scored plus what it needs around
it: failures, entities, reference date), the field it is declared on and its params, and returns a
:class:`CheckResult`: two boolean arrays, one value per row -- ``applicable`` (the check applies to
the row) and ``failing`` (it applies and fails) -- and optionally a reason label per row.
Checks are declared as data (:class:`~migration_kit.quality.spec.CheckSpec`) and looked up here by
name; :func:`register_check` adds one.

Example
-------
>>> import pandas as pd
>>> ctx = CheckContext.build(pd.DataFrame({"source": ["a", "a"], "record_id": ["1", "2"],
...                                        "phone": ["+8613800000000", None]}))
>>> res = REGISTRY["not_null"].fn(ctx, "phone", {"use_raw": True})
>>> res.failing.tolist()
[False, True]
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ._regions import city_owner_map

__all__ = ["CheckResult", "CheckContext", "RegisteredCheck", "REGISTRY", "register_check", "DIMENSIONS"]

#: Quality dimensions (DAMA) a check can roll up into.
DIMENSIONS: tuple[str, ...] = ("completeness", "validity", "uniqueness", "consistency", "timeliness", "accuracy")

#: Cross-field reason codes: a failure row with them is a consistency/accuracy finding, not invalidity.
CROSS_FIELD_REASONS: tuple[str, ...] = ("ID_BIRTH_MISMATCH", "ID_GENDER_MISMATCH")


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one check on every row: ``failing`` implies ``applicable``."""

    applicable: np.ndarray
    failing: np.ndarray
    reasons: np.ndarray | None = None


@dataclass(frozen=True)
class RegisteredCheck:
    """A registered check function with its allowed params and their defaults."""

    name: str
    fn: Callable[["CheckContext", str, dict[str, Any]], CheckResult]
    params: Mapping[str, Any]
    doc: str


REGISTRY: dict[str, RegisteredCheck] = {}


def register_check(name: str, **params: Any) -> Callable:
    """Register a check function under ``name``; keyword arguments are its params and defaults.

    Example
    -------
    >>> @register_check("always_ok")
    ... def _ok(ctx, field, params):
    ...     z = np.zeros(ctx.n, dtype=bool)
    ...     return CheckResult(~z, z)
    >>> "always_ok" in REGISTRY
    True
    >>> _ = REGISTRY.pop("always_ok")
    """

    def deco(fn: Callable) -> Callable:
        doc = (fn.__doc__ or "").strip().splitlines()
        REGISTRY[name] = RegisteredCheck(name, fn, dict(params), doc[0] if doc else "")
        return fn

    return deco


def _blank_to_na(s: pd.Series) -> pd.Series:
    """Strings that are empty after stripping count as absent."""
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        blank = np.array([isinstance(u, str) and not u.strip() for u in uniques], dtype=bool)
        present = codes >= 0
        if blank.any():
            present &= ~blank[np.where(codes >= 0, codes, 0)]
        return pd.Series(present, index=s.index)
    return s.notna()


@dataclass
class CheckContext:
    """The table being scored and what checks need around it (built once, cached helpers).

    Attributes
    ----------
    table : DataFrame with a RangeIndex.
    failures : failure rows matched to table rows (column ``_row``), possibly empty.
    has_failures : whether a failures table was supplied at all.
    entity_codes : int array, entity of each row (-1 when unknown), or None when no entities are known.
    reference_date : Timestamp or None.
    timeliness_years : default window of the ``recent`` check.
    source : str array, the group each row rolls up into by source.
    order : stable permutation sorting rows by their key (so "first occurrence" is row-order free).
    """

    table: pd.DataFrame
    failures: pd.DataFrame
    has_failures: bool
    entity_codes: np.ndarray | None
    reference_date: pd.Timestamp | None
    timeliness_years: float
    source: np.ndarray
    order: np.ndarray
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return len(self.table)

    @classmethod
    def build(cls, table: pd.DataFrame, *, failures: pd.DataFrame | None = None,
              entities: pd.DataFrame | None = None, reference_date: date | None = None,
              timeliness_years: float = 3.0) -> "CheckContext":
        """Index ``table`` by its key, match failure rows and entities to rows."""
        t = table.reset_index(drop=True)
        n = len(t)
        if "source" in t.columns and "record_id" in t.columns:
            src = t["source"].astype(str).to_numpy()
            keys = [t["source"].astype(str), t["record_id"].astype(str)]
        elif "entity_id" in t.columns:
            src = (t["sources"].astype(str).to_numpy() if "sources" in t.columns else np.full(n, "golden", dtype=object))
            keys = [t["entity_id"].astype(str)]
        else:
            src = np.full(n, "all", dtype=object)
            keys = []
        codes = [pd.factorize(k, sort=True)[0] for k in keys]
        order = np.lexsort(codes[::-1]) if codes else np.arange(n)
        fl = pd.DataFrame(columns=["_row", "field", "reason_code"])
        if failures is not None and len(failures) and len(keys) == 2:
            mi = pd.MultiIndex.from_arrays([keys[0].to_numpy(), keys[1].to_numpy()])
            pos = mi.get_indexer(pd.MultiIndex.from_arrays(
                [failures["source"].astype(str).to_numpy(), failures["record_id"].astype(str).to_numpy()]))
            if mi.has_duplicates:  # pragma: no cover - keys are unique by contract
                raise ValueError("table has duplicate (source, record_id) keys")
            fl = pd.DataFrame({"_row": pos, "field": failures["field"].astype(str).to_numpy(),
                               "reason_code": failures["reason_code"].astype(str).to_numpy()})
            fl = fl[fl["_row"] >= 0]
        ent = None
        if "entity_id" in t.columns:
            ent = pd.factorize(t["entity_id"])[0]
        elif entities is not None and len(keys) == 2:
            emi = pd.MultiIndex.from_arrays([entities["source"].astype(str).to_numpy(),
                                             entities["record_id"].astype(str).to_numpy()])
            pos = emi.get_indexer(pd.MultiIndex.from_arrays([keys[0].to_numpy(), keys[1].to_numpy()]))
            ecodes = pd.factorize(entities["entity_id"])[0]
            ent = np.where(pos >= 0, ecodes[np.where(pos >= 0, pos, 0)], -1)
        ref = pd.Timestamp(reference_date) if reference_date is not None else None
        return cls(t, fl, failures is not None, ent, ref, float(timeliness_years), src, order)

    # -- cached helpers -------------------------------------------------------------------------
    def present(self, col: str) -> np.ndarray:
        """True where column ``col`` holds a value (False everywhere when the column is absent)."""
        key = ("present", col)
        if key not in self._cache:
            self._cache[key] = (_blank_to_na(self.table[col]).to_numpy(dtype=bool) if col in self.table.columns
                                else np.zeros(self.n, dtype=bool))
        return self._cache[key]

    def has_raw(self, fld: str) -> bool:
        return f"raw__{fld}" in self.table.columns

    def failure_rows(self, *, fld: str | None = None, reasons: tuple[str, ...] = (),
                     exclude: tuple[str, ...] = ()) -> pd.DataFrame:
        """Failure rows (with ``_row``) filtered by field and reason codes."""
        f = self.failures
        if fld is not None:
            f = f[f["field"] == fld]
        if reasons:
            f = f[f["reason_code"].isin(reasons)]
        if exclude:
            f = f[~f["reason_code"].isin(exclude)]
        return f

    def mask(self, rows: pd.DataFrame) -> np.ndarray:
        m = np.zeros(self.n, dtype=bool)
        m[rows["_row"].to_numpy(dtype=np.int64)] = True
        return m

    def first_reason(self, rows: pd.DataFrame) -> np.ndarray:
        """Per row, the alphabetically first reason code among ``rows`` ('' where none)."""
        out = np.full(self.n, "", dtype=object)
        if len(rows):
            g = rows.groupby("_row", sort=True)["reason_code"].min()
            out[g.index.to_numpy(dtype=np.int64)] = g.to_numpy()
        return out

    def duplicated(self, codes: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """True for rows whose code already occurred earlier in key order (only among ``valid``)."""
        o = self.order[valid[self.order]]
        dup = np.zeros(self.n, dtype=bool)
        dup[o] = pd.Series(codes[o]).duplicated().to_numpy()
        return dup


def _norm_codes(s: pd.Series) -> np.ndarray:
    """Factorize after trimming and casefolding each unique value."""
    codes, uniques = pd.factorize(s)
    norm = pd.Index([str(u).strip().casefold() for u in uniques])
    ncodes, _ = pd.factorize(norm)
    return np.where(codes >= 0, ncodes[np.where(codes >= 0, codes, 0)] if len(ncodes) else 0, -1)


def _col(ctx: CheckContext, col: str) -> pd.Series:
    return ctx.table[col] if col in ctx.table.columns else pd.Series([None] * ctx.n, dtype=object)


def _dates(ctx: CheckContext, col: str) -> pd.Series:
    return pd.to_datetime(_col(ctx, col), errors="coerce")


@register_check("not_null", use_raw=True)
def not_null(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Completeness: the field holds a value (standardized, or raw when ``use_raw``)."""
    have = ctx.present(fld)
    if params["use_raw"]:
        have = have | ctx.present(f"raw__{fld}")
    return CheckResult(np.ones(ctx.n, dtype=bool), ~have)


@register_check("valid", reasons=[], exclude_reasons=list(CROSS_FIELD_REASONS))
def valid(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Validity: a raw value was present but cleaning nulled it (with a failure row when failures are given)."""
    std = ctx.present(fld)
    applicable = ctx.present(f"raw__{fld}") if ctx.has_raw(fld) else std.copy()
    rows = ctx.failure_rows(fld=fld, reasons=tuple(params["reasons"]), exclude=tuple(params["exclude_reasons"]))
    failing = applicable & ~std
    if ctx.has_failures:
        failing &= ctx.mask(rows)
    return CheckResult(applicable, failing, ctx.first_reason(rows))


@register_check("failure_reason", reasons=[])
def failure_reason(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Any dimension: the record has a failure row on ``field`` with one of ``reasons`` (all when empty)."""
    rows = ctx.failure_rows(fld=fld, reasons=tuple(params["reasons"]))
    failing = ctx.mask(rows)
    applicable = ctx.present(fld) | ctx.present(f"raw__{fld}") | failing
    return CheckResult(applicable, failing, ctx.first_reason(rows))


@register_check("unique", scope="all")
def unique(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Uniqueness: no earlier record (in key order) has the same normalized value (``scope``: all|source)."""
    applicable = ctx.present(fld)
    codes = _norm_codes(_col(ctx, fld))
    if params["scope"] == "source":
        scodes = pd.factorize(ctx.source)[0].astype(np.int64)
        codes = scodes * (int(codes.max(initial=0)) + 2) + codes
    return CheckResult(applicable, ctx.duplicated(codes, applicable))


@register_check("entity_unique")
def entity_unique(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Uniqueness: 1 - (records - entities) / records; a record fails when an earlier one has its entity."""
    if ctx.entity_codes is None:
        z = np.zeros(ctx.n, dtype=bool)
        return CheckResult(z, z.copy())
    applicable = ctx.entity_codes >= 0
    return CheckResult(applicable, ctx.duplicated(ctx.entity_codes, applicable))


@register_check("not_before", other="created_at")
def not_before(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Consistency: the date in ``field`` is not before the date in ``other`` (last activity vs sign-up)."""
    a, b = _dates(ctx, fld), _dates(ctx, params["other"])
    applicable = (a.notna() & b.notna()).to_numpy()
    return CheckResult(applicable, applicable & (a < b).to_numpy())


@register_check("non_negative")
def non_negative(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Consistency: a total or count is not negative."""
    v = pd.to_numeric(_col(ctx, fld), errors="coerce").astype("float64")
    applicable = v.notna().to_numpy()
    return CheckResult(applicable, applicable & (v < 0).to_numpy())


@register_check("recent", years=0.0)
def recent(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Timeliness: the date is within ``years`` (default: the spec's timeliness_years) of the reference date."""
    d = _dates(ctx, fld)
    if ctx.reference_date is None:
        z = np.zeros(ctx.n, dtype=bool)
        return CheckResult(z, z.copy())
    years = float(params["years"]) or ctx.timeliness_years
    cutoff = ctx.reference_date - pd.DateOffset(months=int(round(years * 12)))
    applicable = d.notna().to_numpy()
    return CheckResult(applicable, applicable & (d < cutoff).to_numpy())


def _id_part(ctx: CheckContext, id_field: str) -> pd.Series:
    s = _col(ctx, id_field).astype("string")
    return s.where(s.str.len() == 18)


@register_check("id_birth_match", id_field="id_number", reason="ID_BIRTH_MISMATCH")
def id_birth_match(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Accuracy: the birth date in ``field`` equals digits 7-14 of the resident ID (or a failure row says not)."""
    ids = _id_part(ctx, params["id_field"])
    id_birth = pd.to_datetime(ids.str.slice(6, 14), format="%Y%m%d", errors="coerce")
    stated = _dates(ctx, fld).dt.normalize()
    both = (id_birth.notna() & stated.notna()).to_numpy()
    rows = ctx.failure_rows(reasons=(params["reason"],))
    flagged = ctx.mask(rows)
    failing = (both & (id_birth != stated).to_numpy()) | flagged
    return CheckResult(both | flagged, failing, np.where(failing, params["reason"], ""))


@register_check("id_gender_match", id_field="id_number", reason="ID_GENDER_MISMATCH")
def id_gender_match(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Accuracy: gender in ``field`` matches the parity of the 17th ID digit (odd = M), or a failure row says not."""
    digit = pd.to_numeric(_id_part(ctx, params["id_field"]).str.slice(16, 17), errors="coerce").astype("float64")
    d = digit.to_numpy()
    id_gender = pd.Series(np.where(np.isnan(d), None, np.where(np.nan_to_num(d) % 2 == 1, "M", "F")), dtype=object)
    stated = _col(ctx, fld).astype(object)
    stated = stated.where(stated.isin(["M", "F"]))
    both = (id_gender.notna() & stated.notna()).to_numpy()
    flagged = ctx.mask(ctx.failure_rows(reasons=(params["reason"],)))
    failing = (both & (id_gender.to_numpy() != stated.to_numpy())) | flagged
    return CheckResult(both | flagged, failing, np.where(failing, params["reason"], ""))


@register_check("in_province", province_field="province")
def in_province(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Consistency: the city in ``field`` lies in the stated province (judged where the region table knows the city)."""
    owners = city_owner_map()
    known_provinces = {p for ps in owners.values() for p in ps}
    pc, pu = pd.factorize(_col(ctx, params["province_field"]))
    cc, cu = pd.factorize(_col(ctx, fld))
    ok = (pc >= 0) & (cc >= 0)
    combo = np.where(ok, pc.astype(np.int64) * (len(cu) + 1) + cc, -1)
    codes, uniq = pd.factorize(combo)
    app_u = np.zeros(len(uniq), dtype=bool)
    fail_u = np.zeros(len(uniq), dtype=bool)
    for i, k in enumerate(uniq):
        if k < 0:
            continue
        p, c = pu[k // (len(cu) + 1)], cu[k % (len(cu) + 1)]
        if isinstance(p, str) and isinstance(c, str) and p in known_provinces and c in owners:
            app_u[i] = True
            fail_u[i] = p not in owners[c] and c != p
    return CheckResult(app_u[codes], fail_u[codes])
