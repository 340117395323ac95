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

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..clean.numbers import is_money
from ..errors import InputError
from ..registry import Registry
from ._regions import city_owner_map

__all__ = [
    "DIMENSIONS",
    "KEPT_INVALID_REASONS",
    "REGISTRY",
    "CheckContext",
    "CheckFn",
    "CheckResult",
    "register_check",
]

#: Quality dimensions (DAMA) a check can roll up into.
DIMENSIONS: tuple[str, ...] = (
    "completeness",
    "validity",
    "uniqueness",
    "consistency",
    "timeliness",
    "accuracy",
)

#: Cross-field reason codes: a failure row with them is a consistency/accuracy finding, not
#: invalidity.
CROSS_FIELD_REASONS: tuple[str, ...] = ("ID_BIRTH_MISMATCH", "ID_GENDER_MISMATCH")

#: Reason codes of values cleaning keeps although they are not valid (a possible phone number in
#: no assigned range, kept for matching and suppression; a birth date before 1900, kept as the
#: source holds it): a failure row with one of them fails the ``valid`` check even though the
#: standardized value is present.
KEPT_INVALID_REASONS: tuple[str, ...] = ("PHONE_UNASSIGNED", "DATE_IMPLAUSIBLE")


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one check on every row: ``failing`` implies ``applicable``."""

    applicable: np.ndarray
    failing: np.ndarray
    reasons: np.ndarray | None = None


#: What a check function is: ``(context, field, params) -> CheckResult``.
CheckFn = Callable[["CheckContext", str, dict[str, Any]], CheckResult]

#: Check name -> :class:`~migration_kit.registry.Entry` (function, params with their defaults).
REGISTRY: Registry[CheckFn] = Registry("quality check")


def register_check(name: str, **params: Any) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under ``name`` in :data:`REGISTRY`; keyword arguments are its
    params and their defaults. A name registers once (a second registration raises ValueError).

    Example
    -------
    >>> @register_check("always_ok", strict=False)
    ... def _ok(ctx, field, params):
    ...     z = np.zeros(ctx.n, dtype=bool)
    ...     return CheckResult(~z, z)
    >>> REGISTRY["always_ok"].params
    {'strict': False}
    >>> _ = REGISTRY.unregister("always_ok")
    """
    return REGISTRY.register(name, **params)


#: An RE2 class of the characters Python's ``str.strip()`` removes (``str.isspace()``).
_NOT_SPACE = (
    "[^\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}"
    "\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]"
)


def _present(s: pd.Series, raw: bool) -> np.ndarray:
    """Non-null values; for raw text also not blank after stripping (std columns hold nulls, not
    blanks)."""
    have = s.notna().to_numpy(dtype=bool)
    if raw and (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
        try:  # text: some character that is not white space (one pass in Arrow)
            arr = pa.array(s.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: pandas' way
            have &= s.str.strip().ne("").to_numpy(dtype=bool)
            return have
        inked = pc.match_substring_regex(arr, _NOT_SPACE).fill_null(False)
        have &= inked.to_numpy(zero_copy_only=False)
    return have


def _key(source: pd.Series, record_id: pd.Series) -> pd.Series:
    """One string per record, ordering like (source, record_id)."""
    return source.astype(str) + "\x1f" + record_id.astype(str)


@dataclass
class CheckContext:
    """The table being scored and what checks need around it (built once, cached helpers).

    Attributes
    ----------
    table : DataFrame with a RangeIndex.
    failures : failure rows matched to table rows (column ``_row``), possibly empty.
    has_failures : whether a failures table was supplied at all.
    entity_codes : int array, entity of each row (-1 when unknown), or None when no entities are
        known.
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
    _cache: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return len(self.table)

    @classmethod
    def build(
        cls,
        table: pd.DataFrame,
        *,
        failures: pd.DataFrame | None = None,
        entities: pd.DataFrame | None = None,
        reference_date: date | None = None,
        timeliness_years: float = 3.0,
    ) -> CheckContext:
        """Index ``table`` by its key, match failure rows and entities to rows."""
        t = table.reset_index(drop=True)
        n = len(t)
        has_rec = "source" in t.columns and "record_id" in t.columns
        if has_rec:
            src = t["source"].astype(str).to_numpy(dtype=object)
            key = _key(t["source"], t["record_id"])
        elif "entity_id" in t.columns:
            src = (
                t["sources"].astype(str).to_numpy(dtype=object)
                if "sources" in t.columns
                else np.full(n, "golden", dtype=object)
            )
            key = t["entity_id"].astype(str)
        else:
            src, key = np.full(n, "all", dtype=object), None
        kidx = None
        if key is not None:
            kidx = pd.Index(key.to_numpy(dtype=object))
            if kidx.has_duplicates:
                raise InputError(
                    "quality input table",
                    f"{int(kidx.duplicated().sum())} rows repeat the key of an "
                    "earlier row; every (source, record_id) (or entity_id) must be unique; "
                    "deduplicate the table before scoring",
                )
            order = np.argsort(key.to_numpy(dtype=str), kind="stable") if n else np.arange(0)
        else:
            order = np.arange(n)
        fl = pd.DataFrame(
            {
                "_row": np.zeros(0, np.int64),
                "field": np.zeros(0, object),
                "reason_code": np.zeros(0, object),
            }
        )
        if failures is not None and len(failures) and kidx is not None and has_rec:
            pos = kidx.get_indexer(
                _key(failures["source"], failures["record_id"]).to_numpy(dtype=object)
            )
            fl = pd.DataFrame(
                {
                    "_row": pos,
                    "field": failures["field"].astype(str).to_numpy(),
                    "reason_code": failures["reason_code"].astype(str).to_numpy(),
                }
            )
            fl = fl[fl["_row"] >= 0].reset_index(drop=True)
        ent = None
        if "entity_id" in t.columns:
            ent = pd.factorize(t["entity_id"])[0]
        elif entities is not None and kidx is not None and has_rec:
            pos = pd.Index(
                _key(entities["source"], entities["record_id"]).to_numpy(dtype=object)
            ).get_indexer(kidx)
            ecodes = pd.factorize(entities["entity_id"])[0]
            ent = np.where(pos >= 0, ecodes[np.where(pos >= 0, pos, 0)], -1)
        ref = pd.Timestamp(reference_date) if reference_date is not None else None
        return cls(t, fl, failures is not None, ent, ref, float(timeliness_years), src, order)

    # -- cached helpers -------------------------------------------------------------------------
    def present(self, col: str) -> np.ndarray:
        """True where column ``col`` holds a value (False everywhere when the column is absent)."""
        key = ("present", col)
        if key not in self._cache:
            self._cache[key] = (
                _present(self.table[col], col.startswith("raw__"))
                if col in self.table.columns
                else np.zeros(self.n, dtype=bool)
            )
        return self._cache[key]

    def has_raw(self, fld: str) -> bool:
        return f"raw__{fld}" in self.table.columns

    def failure_rows(
        self,
        *,
        fld: str | None = None,
        reasons: tuple[str, ...] = (),
        exclude: tuple[str, ...] = (),
    ) -> pd.DataFrame:
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
            g = rows.sort_values(["_row", "reason_code"], kind="stable").drop_duplicates("_row")
            out[g["_row"].to_numpy(dtype=np.int64)] = g["reason_code"].to_numpy()
        return out

    def duplicated(self, codes: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """True for rows whose code already occurred earlier in key order (only among ``valid``)."""
        o = self.order[valid[self.order]]
        dup = np.zeros(self.n, dtype=bool)
        dup[o] = pd.Series(codes[o]).duplicated().to_numpy()
        return dup


def _codes(ctx: CheckContext, col: str) -> np.ndarray:
    """Integer code per distinct value of ``col`` (-1 for null), cached. Std values are already
    normalized by cleaning (E.164 phone, lowercase email, uppercase X in IDs), so equal means
    duplicate.
    """
    key = ("codes", col)
    if key not in ctx._cache:
        ctx._cache[key] = pd.factorize(_col(ctx, col))[0].astype(np.int64)
    return ctx._cache[key]


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
    """Validity: a raw value was present but cleaning nulled it.

    With a failures table, the row also needs a failure row on the field; a failure row with one
    of :data:`KEPT_INVALID_REASONS` fails the row although cleaning kept the value.
    """
    std = ctx.present(fld)
    applicable = ctx.present(f"raw__{fld}") if ctx.has_raw(fld) else std.copy()
    rows = ctx.failure_rows(
        fld=fld, reasons=tuple(params["reasons"]), exclude=tuple(params["exclude_reasons"])
    )
    failing = applicable & ~std
    if ctx.has_failures:
        kept = ctx.mask(rows[rows["reason_code"].isin(KEPT_INVALID_REASONS)])
        failing = (failing & ctx.mask(rows)) | (applicable & kept)
    return CheckResult(applicable, failing, ctx.first_reason(rows))


@register_check("failure_reason", reasons=[])
def failure_reason(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Any dimension: the record has a failure row on ``field`` with one of ``reasons``.

    Empty ``reasons``: any reason code.
    """
    rows = ctx.failure_rows(fld=fld, reasons=tuple(params["reasons"]))
    failing = ctx.mask(rows)
    applicable = ctx.present(fld) | ctx.present(f"raw__{fld}") | failing
    return CheckResult(applicable, failing, ctx.first_reason(rows))


@register_check("unique", scope="all")
def unique(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Uniqueness: no earlier record (in key order) has the same normalized value.

    ``scope``: ``all`` records, or within each ``source``.
    """
    applicable = ctx.present(fld)
    codes = _codes(ctx, fld)
    if params["scope"] == "source":
        scodes = pd.factorize(ctx.source)[0].astype(np.int64)
        codes = scodes * (int(codes.max(initial=0)) + 2) + codes
    return CheckResult(applicable, ctx.duplicated(codes, applicable))


@register_check("entity_unique")
def entity_unique(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Uniqueness: a record fails when an earlier one has its entity.

    The score is 1 - (records - entities) / records.
    """
    if ctx.entity_codes is None:
        z = np.zeros(ctx.n, dtype=bool)
        return CheckResult(z, z.copy())
    applicable = ctx.entity_codes >= 0
    return CheckResult(applicable, ctx.duplicated(ctx.entity_codes, applicable))


@register_check("not_before", other="created_at")
def not_before(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Consistency: the date in ``field`` is not before the date in ``other``.

    E.g. last activity vs sign-up.
    """
    a, b = _dates(ctx, fld), _dates(ctx, params["other"])
    applicable = (a.notna() & b.notna()).to_numpy()
    return CheckResult(applicable, applicable & (a < b).to_numpy())


@register_check("non_negative")
def non_negative(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Consistency: a total or count is not negative."""
    s = _col(ctx, fld)
    # an exact decimal (money) keeps its sign as a float; pd.to_numeric mishandles Arrow decimals
    v = s.astype("float64") if is_money(s) else pd.to_numeric(s, errors="coerce").astype("float64")
    applicable = v.notna().to_numpy()
    return CheckResult(applicable, applicable & (v < 0).to_numpy())


@register_check("recent", years=0.0)
def recent(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Timeliness: the date is within ``years`` of the reference date.

    ``years`` 0 (the default): the spec's ``timeliness_years``.
    """
    d = _dates(ctx, fld)
    if ctx.reference_date is None:
        z = np.zeros(ctx.n, dtype=bool)
        return CheckResult(z, z.copy())
    years = float(params["years"]) or ctx.timeliness_years
    cutoff = ctx.reference_date - pd.DateOffset(months=round(years * 12))
    applicable = d.notna().to_numpy()
    return CheckResult(applicable, applicable & (d < cutoff).to_numpy())


def _id_parts(ctx: CheckContext, id_field: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(is an 18-char ID with digit birth date, birth date as int YYYYMMDD, 17th digit),
    vectorized, cached."""
    key = ("id", id_field)
    if key not in ctx._cache:
        s = _col(ctx, id_field)
        arr = np.where(s.notna().to_numpy(), s.to_numpy(dtype=object), "").astype(str).astype("U19")
        v = arr.view(np.uint32).reshape(len(arr), 19).astype(np.int64) - 48
        digits = v[:, 6:17]
        ok = (v[:, 17] != -48) & (v[:, 18] == -48) & ((digits >= 0) & (digits <= 9)).all(axis=1)
        ymd = v[:, 6:14] @ (10 ** np.arange(7, -1, -1, dtype=np.int64))
        month, day = ymd // 100 % 100, ymd % 100
        ok &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
        ctx._cache[key] = (ok, ymd, v[:, 16])
    return ctx._cache[key]


@register_check("id_birth_match", id_field="id_number", reason="ID_BIRTH_MISMATCH")
def id_birth_match(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Accuracy: the birth date in ``field`` equals digits 7-14 of the resident ID.

    A failure row with ``reason`` fails the record too.
    """
    ok, ymd, _ = _id_parts(ctx, params["id_field"])
    stated = _dates(ctx, fld)
    has = stated.notna().to_numpy()
    stated_ymd = (
        (stated.dt.year * 10000 + stated.dt.month * 100 + stated.dt.day)
        .fillna(0)
        .to_numpy(dtype=np.int64)
    )
    both = ok & has
    flagged = ctx.mask(ctx.failure_rows(reasons=(params["reason"],)))
    failing = (both & (ymd != stated_ymd)) | flagged
    return CheckResult(both | flagged, failing, np.where(failing, params["reason"], ""))


@register_check("id_gender_match", id_field="id_number", reason="ID_GENDER_MISMATCH")
def id_gender_match(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Accuracy: gender in ``field`` matches the parity of the 17th ID digit (odd = M).

    A failure row with ``reason`` fails the record too.
    """
    ok, _, digit = _id_parts(ctx, params["id_field"])
    stated = _col(ctx, fld)
    is_m, is_f = (
        stated.eq("M").fillna(False).to_numpy(dtype=bool),
        stated.eq("F").fillna(False).to_numpy(dtype=bool),
    )
    both = ok & (is_m | is_f)
    flagged = ctx.mask(ctx.failure_rows(reasons=(params["reason"],)))
    failing = (both & (is_m != (digit % 2 == 1))) | flagged
    return CheckResult(both | flagged, failing, np.where(failing, params["reason"], ""))


@register_check("in_province", province_field="province")
def in_province(ctx: CheckContext, fld: str, params: dict[str, Any]) -> CheckResult:
    """Consistency: the city in ``field`` lies in the stated province.

    Judged only where the region table knows the city.
    """
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
