"""Golden records: one row per entity, every value traceable to the record that gave it.

:func:`build_golden` applies a :class:`~migration_kit.linkage.survivorship.SurvivorshipSpec` to
the standardized table and the entity assignment. It is vectorized: each rule is one
``np.lexsort`` of the candidate rows by (entity, strategy key, tie-break) followed by "first row of
each entity"; there is no per-entity Python. Ties are broken everywhere by source priority
(unlisted sources tie after the listed ones), then recency (``last_activity_at``, else
``created_at``; most recent first), then the smaller ``(source, record_id)``, so the result does
not depend on the order of the input rows.

Example
-------
>>> import pandas as pd
>>> std = pd.DataFrame({"source": ["pos", "web"], "record_id": ["1", "9"],
...                     "email": [None, "li@example.com"], "total_spent": [10.0, 5.5]})
>>> ent = pd.DataFrame({"source": ["pos", "web"], "record_id": ["1", "9"],
...                     "entity_id": ["E1", "E1"]})
>>> res = build_golden(std, ent)
>>> g = res.golden.iloc[0]
>>> (g.entity_id, float(g.total_spent), int(g.n_records), g.sources)
('E1', 15.5, 2, 'pos;web')
>>> res.lineage.query("field == 'email'")[["source", "record_id", "rule"]].values.tolist()
[['web', '9', 'most_recent']]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..clean.numbers import is_money, money_from_units, money_units
from ..clean.standardize import STD_DTYPES
from ..errors import LinkageError
from ..schema import KEY_COLUMNS, STD_COLUMNS
from .survivorship import FIELD_KINDS, SurvivorshipRule, SurvivorshipSpec

__all__ = [
    "GOLDEN_EXTRA_COLUMNS",
    "LINEAGE_COLUMNS",
    "GoldenResult",
    "build_golden",
    "entity_codes",
]

#: Columns of ``golden`` after ``entity_id`` and the standardized fields.
GOLDEN_EXTRA_COLUMNS: tuple[str, ...] = ("n_records", "sources")
#: Columns of ``lineage``.
LINEAGE_COLUMNS: tuple[str, ...] = ("entity_id", "field", "source", "record_id", "rule")

_LOW = np.iinfo(np.int64).min + 1  # recency of a record with no date (sorts last when negated)


@dataclass(frozen=True)
class GoldenResult:
    """Output of :func:`build_golden`.

    Attributes
    ----------
    golden : DataFrame
        One row per entity, sorted by ``entity_id``: ``entity_id``, every ``STD_COLUMNS`` field,
        ``n_records``, ``sources`` (sorted, ``;``-joined).
    lineage : DataFrame
        ``entity_id, field, source, record_id, rule``: one row per non-null golden value (one per
        contributing record for ``sum``), ordered by rule, field, entity, record key. Every
        column is a categorical (tens of millions of rows at 1M records; compares like strings).

    Example
    -------
    >>> std = pd.DataFrame({"source": ["pos"], "record_id": ["1"], "gender": ["F"]})
    >>> res = build_golden(std, std.assign(entity_id="E1"))
    >>> res.lineage[["entity_id", "field", "record_id", "rule"]].astype(str).values.tolist()
    [['E1', 'gender', '1', 'most_frequent']]
    """

    golden: pd.DataFrame
    lineage: pd.DataFrame


def entity_codes(std: pd.DataFrame, entities: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return, for each row of ``std``, the code of its entity, and the sorted entity ids.

    Raises
    ------
    LinkageError
        When ``entities`` misses a std record, names one twice, or names records not in ``std``.

    Example
    -------
    >>> std = pd.DataFrame({"source": ["a", "a"], "record_id": ["2", "1"]})
    >>> ent = pd.DataFrame({"source": ["a", "a"], "record_id": ["1", "2"],
    ...                     "entity_id": ["E2", "E1"]})
    >>> codes, ids = entity_codes(std, ent)
    >>> codes.tolist(), ids.tolist()
    ([0, 1], ['E1', 'E2'])
    """
    for name, df, cols in (
        ("std", std, KEY_COLUMNS),
        ("entities", entities, (*KEY_COLUMNS, "entity_id")),
    ):
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise LinkageError(
                f"{name} lacks column(s) {', '.join(missing)}; it needs {', '.join(cols)}"
            )
    if entities["entity_id"].isna().any():
        raise LinkageError(
            f"entities has {int(entities['entity_id'].isna().sum())} row(s) without entity_id; "
            "every record needs an entity (singletons get their own)"
        )
    src, rid = std["source"].to_numpy(), std["record_id"].to_numpy()
    e_src, e_rid = entities["source"].to_numpy(), entities["record_id"].to_numpy()
    if len(src) == len(e_src) and (src == e_src).all() and (rid == e_rid).all():
        ids = entities[
            "entity_id"
        ].to_numpy()  # same keys in the same order (duplicates: see build_golden)
    else:
        e_index = pd.MultiIndex.from_arrays([e_src, e_rid])
        if e_index.has_duplicates:
            n = int(e_index.duplicated().sum())
            raise LinkageError(
                f"entities names {n} record(s) twice; each (source, record_id) belongs to one "
                "entity"
            )
        pos = e_index.get_indexer(pd.MultiIndex.from_arrays([src, rid]))
        if (pos < 0).any():
            raise LinkageError(
                f"{int((pos < 0).sum())} std record(s) have no entity (first: source "
                f"{src[pos < 0][0]!r}); linkage must give every record an entity"
            )
        if len(e_index) != len(src):
            raise LinkageError(
                f"entities has {len(e_index)} rows for {len(src)} std records; "
                "it names records that are not in std"
            )
        ids = entities["entity_id"].to_numpy()[pos]
    return _sorted_factorize(ids)


def _as_str(s: pd.Series) -> pd.Series:
    return s if s.dtype == object else s.astype(str)


def _sorted_factorize(values: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, sort=True)`` for strings.

    Only the uniques are sorted, as numpy unicode (faster).
    """
    codes, uniques = pd.factorize(values)
    uniques = np.asarray(uniques, dtype=object)
    order = np.argsort(uniques.astype(str), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], uniques[order]


class _Ctx:
    """Per-call arrays shared by every rule (computed once)."""

    def __init__(
        self, std: pd.DataFrame, ecode: np.ndarray, n_ent: int, spec: SurvivorshipSpec
    ) -> None:
        self.std, self.ecode, self.n_ent, self.spec = std, ecode, n_ent, spec
        self.src_code, self.src_names = _sorted_factorize(_as_str(std["source"]))
        self.rid_code, rid_names = pd.factorize(
            _as_str(std["record_id"])
        )  # first-seen order: cheap
        self.rid_names = np.asarray(rid_names, dtype=object)
        dup = pd.Series(self.src_code * len(self.rid_names) + self.rid_code).duplicated().to_numpy()
        if dup.any():
            raise LinkageError(
                f"std has {int(dup.sum())} duplicate (source, record_id) key(s) (first in source "
                f"{self.src_names[self.src_code[dup][0]]!r}); a record key must be unique"
            )
        self.multi = np.bincount(ecode, minlength=n_ent)[ecode] > 1
        # key order is only ever compared inside an entity: rank the rows of multi-record entities
        # only
        rows = np.flatnonzero(self.multi)
        order = rows[
            np.lexsort((self.rid_names[self.rid_code[rows]].astype(str), self.src_code[rows]))
        ]
        self.key_rank = np.zeros(len(std), dtype=np.int64)
        self.key_rank[order] = np.arange(len(order))
        self._notna: dict[str, np.ndarray] = {}
        self._codes: dict[str, np.ndarray] = {}
        rec = self._dates("last_activity_at").fillna(self._dates("created_at"))
        self.recency = np.where(rec.isna(), _LOW, rec.to_numpy(dtype="int64", na_value=_LOW))
        self._tb: dict[tuple, np.ndarray] = {}

    def _dates(self, col: str) -> pd.Series:
        if col in self.std.columns:
            return pd.to_datetime(self.std[col])
        return pd.Series(pd.NaT, index=self.std.index, dtype="datetime64[ns]")

    def source_rank(self, order: tuple[str, ...]) -> np.ndarray:
        """Rank of each row's source.

        Listed sources rank in list order, every unlisted source after them (tied).
        """
        pos = {s: i for i, s in enumerate(order)}
        return np.array([pos.get(s, len(order)) for s in self.src_names], dtype=np.int64)[
            self.src_code
        ]

    def tie_rank(self, order: tuple[str, ...], recent_first: bool = False) -> np.ndarray:
        """Rank of rows by (source rank, most recent, smaller key).

        With ``recent_first``: by (most recent, source rank, smaller key).

        Only rows of multi-record entities are ranked (the others are never compared); 0 elsewhere.
        """
        if (order, recent_first) not in self._tb:
            rows = np.flatnonzero(self.multi)
            src, rec, key = self.source_rank(order)[rows], -self.recency[rows], self.key_rank[rows]
            idx = rows[np.lexsort((key, src, rec) if recent_first else (key, rec, src))]
            tb = np.zeros(len(self.multi), dtype=np.int64)
            tb[idx] = np.arange(len(idx))
            self._tb[(order, recent_first)] = tb
        return self._tb[(order, recent_first)]

    def codes(self, field: str) -> np.ndarray:
        """Factorized values of ``field`` (-1: null), cached."""
        if field not in self._codes:
            self._codes[field] = pd.factorize(self.column(field))[0]
        return self._codes[field]

    def notna(self, field: str) -> np.ndarray:
        """Boolean mask of rows whose ``field`` is non-null (cached)."""
        if field not in self._notna:
            self._notna[field] = self.column(field).notna().to_numpy()
        return self._notna[field]

    def column(self, field: str) -> pd.Series:
        if field in self.std.columns:
            return self.std[field]
        return pd.Series([None] * len(self.std), index=self.std.index, dtype=STD_DTYPES[field])


def _order_key(values: pd.Series, kind: str) -> np.ndarray:
    """Numbers that order non-null ``values`` exactly: nanoseconds of dates, minor units of money
    (never floats: two amounts above 2^53 cents stay apart), integers as they are.

    Example
    -------
    >>> from migration_kit.clean.numbers import clean_amount
    >>> _order_key(clean_amount(pd.Series(["90071992547409.93", "90071992547409.92"]))["amount"],
    ...            "number").tolist()
    [9007199254740993, 9007199254740992]
    """
    if kind == "date":
        return pd.to_datetime(values).to_numpy(dtype="int64")
    if is_money(values):
        return money_units(values)[0]
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.to_numpy(dtype=np.int64)
    return pd.to_numeric(values).to_numpy(dtype="float64")


def _strategy_rank(ctx: _Ctx, rule: SurvivorshipRule, rows: np.ndarray) -> np.ndarray | None:
    """Small non-negative int per row of ``rows``, lower = better.

    None when the tie rank alone decides.
    """
    s = rule.strategy
    if s in ("most_recent", "source_priority"):
        return None
    lead = ctx.column(rule.field).iloc[rows]
    if s == "most_complete":
        better = sum(ctx.notna(f)[rows].astype(np.int64) for f in rule.fields) * 4096
        if FIELD_KINDS[rule.field] == "text":
            text = lead if lead.dtype == object else lead.astype(str)
            better += np.minimum(text.str.len().to_numpy(dtype=np.int64), 4095)
    elif s == "most_frequent":
        vcode, _ = pd.factorize(lead)  # candidates only: no nulls
        pair, _ = pd.factorize(ctx.ecode[rows] * (int(vcode.max(initial=0)) + 1) + vcode)
        better = np.bincount(pair)[pair]
    elif s in ("max", "min"):
        _, better = np.unique(_order_key(lead, FIELD_KINDS[rule.field]), return_inverse=True)
        better = better if s == "max" else -better
    elif s in ("any_true", "all_true"):
        vals = lead.astype("boolean").to_numpy(dtype=bool)
        better = (vals if s == "any_true" else ~vals).astype(np.int64)
    else:  # pragma: no cover - strategies are validated by the spec
        raise AssertionError(s)
    return better.max(initial=0) - better


def _pick(ctx: _Ctx, rule: SurvivorshipRule) -> tuple[np.ndarray, np.ndarray]:
    """Return (entity codes, chosen std row), sorted by entity, for entities that have a candidate.

    A candidate of a single-record entity is chosen as is; the candidate rows of multi-record
    entities are sorted by (entity, strategy rank, tie rank) - one argsort of a packed int64 key
    when it fits, else a lexsort - and the first row of each entity wins.
    """
    cand = ctx.notna(rule.field)
    single = np.flatnonzero(cand & ~ctx.multi)
    rows = np.flatnonzero(cand & ctx.multi)
    order_key = rule.source_order or ctx.spec.source_priority
    tie = ctx.tie_rank(order_key, recent_first=rule.strategy == "most_recent")[rows]
    prank = _strategy_rank(ctx, rule, rows)
    prank = np.zeros(len(rows), dtype=np.int64) if prank is None else prank
    ent, n, width = ctx.ecode[rows], len(ctx.ecode), int(prank.max(initial=0)) + 1
    if (ctx.n_ent + 1) * width * n < 2**62:
        rows = rows[np.argsort((ent * width + prank) * n + tie)]  # keys are unique: tie is a rank
    else:
        rows = rows[np.lexsort((tie, prank, ent))]
    ents = ctx.ecode[rows]
    first = np.ones(len(ents), dtype=bool)
    first[1:] = ents[1:] != ents[:-1]
    chosen = np.full(ctx.n_ent, -1, dtype=np.int64)
    chosen[ctx.ecode[single]] = single
    chosen[ents[first]] = rows[first]
    ents = np.flatnonzero(chosen >= 0)
    return ents, chosen[ents]


def _pick_grouped(ctx: _Ctx, rule: SurvivorshipRule) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_pick` by the lead field; an entity none of whose records holds the lead field
    (no street address) is picked by its group's next field that some record holds (the city),
    so the group's values are never lost with a missing lead.

    Example
    -------
    >>> from migration_kit.linkage.survivorship import SurvivorshipSpec
    >>> std = pd.DataFrame({"source": ["a", "b"], "record_id": ["1", "2"],
    ...                     "address": [None, None], "city": ["北京市", None]})
    >>> spec = SurvivorshipSpec.default()
    >>> ctx = _Ctx(std, np.array([0, 0]), 1, spec)
    >>> _pick_grouped(ctx, spec.rule_for("address"))
    (array([0]), array([0]))
    """
    ents, rows = _pick(ctx, rule)
    have = np.zeros(ctx.n_ent, dtype=bool)  # a mask, not set operations: O(entities), no sort
    have[ents] = True
    for lead in rule.group:
        if have.all():
            break
        fallback = dataclasses.replace(
            rule, field=lead, group=tuple(f for f in rule.fields if f != lead)
        )
        more_e, more_r = _pick(ctx, fallback)
        keep = ~have[more_e]
        ents, rows = np.concatenate([ents, more_e[keep]]), np.concatenate([rows, more_r[keep]])
        have[more_e[keep]] = True
    order = np.argsort(ents, kind="stable")
    return ents[order], rows[order]


def _fill_compatible(
    ctx: _Ctx, rule: SurvivorshipRule, ents: np.ndarray, rows: np.ndarray, field: str
) -> tuple[np.ndarray, np.ndarray]:
    """Entities whose chosen record lacks group member ``field``, and the record of the same
    entity that gives it: one holding ``field`` and agreeing with the chosen record on every
    other field of the group that both hold (the same place: a postcode is taken from a record
    of the same address, never from another address). Best by the rule's tie order.

    Example
    -------
    >>> from migration_kit.linkage.survivorship import SurvivorshipSpec
    >>> std = pd.DataFrame({"source": ["a", "b", "c"], "record_id": ["1", "2", "3"],
    ...                     "address": ["西安街1号", "西安街1号", "Baker St 2"],
    ...                     "city": ["青岛市", "青岛市", "London"],
    ...                     "postcode": [None, "266010", "NW1"]})
    >>> spec = SurvivorshipSpec.default()
    >>> ctx = _Ctx(std, np.array([0, 0, 0]), 1, spec)
    >>> _fill_compatible(ctx, spec.rule_for("address"), np.array([0]), np.array([0]), "postcode")
    (array([0]), array([1]))
    """
    chosen = np.full(ctx.n_ent, -1, dtype=np.int64)
    chosen[ents] = rows
    mine = chosen[ctx.ecode]
    cand = ctx.notna(field) & ctx.multi & (mine >= 0)
    cand &= ~ctx.notna(field)[np.maximum(mine, 0)]
    idx = np.flatnonzero(cand)
    if not len(idx):
        return idx, idx
    own = mine[idx]
    for other in rule.fields:
        if other == field:
            continue
        codes = ctx.codes(other)
        a, b = codes[idx], codes[own]
        keep = (a < 0) | (b < 0) | (a == b)
        idx, own = idx[keep], own[keep]
    tie = ctx.tie_rank(rule.source_order or ctx.spec.source_priority)[idx]
    idx = idx[np.lexsort((tie, ctx.ecode[idx]))]
    first = np.ones(len(idx), dtype=bool)
    first[1:] = ctx.ecode[idx][1:] != ctx.ecode[idx][:-1]
    return ctx.ecode[idx[first]], idx[first]


def _take(col: pd.Series, ents: np.ndarray, rows: np.ndarray, n_ent: int) -> pd.Series:
    """Value of ``col`` at the chosen row of each entity (null where an entity has no candidate)."""
    idx = np.full(n_ent, -1, dtype=np.int64)
    idx[ents] = rows
    values = col.to_numpy() if col.dtype == object else col.array
    return pd.Series(pd.api.extensions.take(values, idx, allow_fill=True))


def _exact_sum(vals: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    """Group sums of a float column (money from cleaning is decimal and summed by
    :func:`_int_sum`) that are exact in decimal: values written with at most 6 decimals are
    summed as integers of their last decimal place, so 1792.56 + 2033.47 is 3826.03, not
    3826.0299999999997; others are summed as floats.

    Example
    -------
    >>> _exact_sum(np.array([1792.56, 2033.47, 0.1]), np.array([0, 0, 1]), 2).tolist()
    [3826.03, 0.1]
    """
    if not len(vals) or not np.isfinite(vals).all() or np.abs(vals).max() * 10**6 >= 2**53:
        return np.bincount(groups, weights=vals, minlength=n)
    # the fewest decimals that reproduce every value exactly (money: 2)
    places = next((p for p in range(7) if (np.rint(vals * 10**p) / 10**p == vals).all()), None)
    if places is None:
        return np.bincount(groups, weights=vals, minlength=n)
    units = np.rint(vals * 10**places).astype(np.int64)
    total = np.zeros(n, dtype=np.int64)
    np.add.at(total, groups, units)
    return total / 10**places


def _int_sum(vals: np.ndarray, groups: np.ndarray, n: int, field: str) -> np.ndarray:
    """Exact int64 sums of ``vals`` per group (``groups`` sorted ascending).

    Raises
    ------
    LinkageError
        When a group's sum would not fit int64 (it is never wrapped or rounded).

    Example
    -------
    >>> _int_sum(np.array([179256, 203347, 10]), np.array([0, 0, 1]), 2, "total_spent").tolist()
    [382603, 10]
    """
    total = np.zeros(n, dtype=np.int64)
    if not len(vals):
        return total
    bound = np.bincount(groups, weights=np.abs(vals).astype(np.float64), minlength=n)
    if bound.max() >= 2.0**62:  # float bound (relative error far below the margin to 2^63)
        raise LinkageError(
            f"the {field} of {int((bound >= 2.0**62).sum())} entity(ies) adds up beyond what "
            "an exact 64-bit sum holds; check the source values"
        )
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    total[groups[starts]] = np.add.reduceat(vals, starts)
    return total


def _sum(ctx: _Ctx, rule: SurvivorshipRule) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Per entity, the exact sum of the non-null values of ``rule.field`` (null where none):
    money (decimal) in minor units, integers as int64, floats by :func:`_exact_sum`."""
    col = ctx.column(rule.field)
    rows = np.flatnonzero(ctx.notna(rule.field))
    rows = rows[np.argsort(ctx.ecode[rows] * len(ctx.ecode) + ctx.key_rank[rows])]
    ents = ctx.ecode[rows]
    has = np.bincount(ents, minlength=ctx.n_ent) > 0
    out: pd.Series
    if is_money(col):
        total = _int_sum(money_units(col)[0][rows], ents, ctx.n_ent, rule.field)
        try:
            out = money_from_units(total, has)
        except OverflowError as exc:
            raise LinkageError(f"golden {rule.field}: {exc}; check the source values") from None
    elif pd.api.types.is_integer_dtype(col.dtype):
        vals = col.to_numpy(dtype=np.int64, na_value=0)[rows]
        total = _int_sum(vals, ents, ctx.n_ent, rule.field)
        out = pd.Series(pd.arrays.IntegerArray(total, ~has))
    else:
        vals = pd.to_numeric(col).to_numpy(dtype="float64", na_value=0.0)[rows]
        out = pd.Series(np.where(has, _exact_sum(vals, ents, ctx.n_ent), np.nan))
    return out, ents, rows


def _sources(ctx: _Ctx) -> pd.Series:
    """Sorted ';'-joined source names per entity.

    A bit mask per entity, one join per distinct set of sources.
    """
    names = list(ctx.src_names)
    if len(names) <= 62:
        mask = np.zeros(ctx.n_ent, dtype=np.int64)
        np.bitwise_or.at(mask, ctx.ecode, np.left_shift(1, ctx.src_code))
        uniq, inv = np.unique(mask, return_inverse=True)
        labels = np.array(
            [";".join(n for i, n in enumerate(names) if m >> i & 1) for m in uniq], dtype=object
        )
        return pd.Series(labels[inv])
    pairs = np.unique(ctx.ecode * len(names) + ctx.src_code)
    joined = (
        pd.Series(np.asarray(names, dtype=object)[pairs % len(names)])
        .groupby(pairs // len(names))
        .agg(";".join)
    )
    return joined.reset_index(drop=True)


def _categorical(codes: np.ndarray, categories: Sequence[Any] | np.ndarray) -> pd.Categorical:
    """``pd.Categorical.from_codes`` with list-like ``categories`` (dtype inferred by pandas)."""
    # pandas-stubs accept only an Index as categories; pandas takes any list-like, and wrapping in
    # pd.Index first would not infer the dtype of an object array the same way
    return pd.Categorical.from_codes(codes, categories=categories)  # type: ignore[call-overload]


def build_golden(
    std: pd.DataFrame, entities: pd.DataFrame, spec: SurvivorshipSpec | None = None
) -> GoldenResult:
    """Build one golden record per entity and the lineage of every value.

    Parameters
    ----------
    std : DataFrame
        Standardized records (``source``, ``record_id`` and the ``STD_COLUMNS``; a missing column
        is treated as all null).
    entities : DataFrame
        ``source, record_id, entity_id`` for every std row (apply review decisions first).
    spec : SurvivorshipSpec, optional
        Rules; default :meth:`SurvivorshipSpec.default`.

    Returns
    -------
    GoldenResult
        ``golden`` (sorted by ``entity_id``) and ``lineage``.

    Raises
    ------
    LinkageError
        When ``entities`` does not assign every std record exactly once.

    Example
    -------
    >>> std = pd.DataFrame({"source": ["pos", "web"], "record_id": ["1", "2"],
    ...                     "created_at": pd.to_datetime(["2020-01-01", "2023-05-01"])})
    >>> ent = std[["source", "record_id"]].assign(entity_id="E0001")
    >>> str(build_golden(std, ent).golden.loc[0, "created_at"].date())
    '2020-01-01'
    """
    spec = spec or SurvivorshipSpec.default()
    ecode, ids = entity_codes(std, entities)
    ctx = _Ctx(std, ecode, len(ids), spec)
    cols: dict[str, pd.Series] = {}
    lin_e, lin_r, lin_f, lin_rule = [], [], [], []
    field_pos = {f: i for i, f in enumerate(STD_COLUMNS)}
    rule_labels: list[str] = []
    for rule in spec.rules:
        if rule.strategy == "sum":
            cols[rule.field], ents, rows = _sum(ctx, rule)
            groups = [(rule.field, ents, rows)]
        else:
            ents, rows = _pick_grouped(ctx, rule)
            groups = []
            for f in rule.fields:
                col = ctx.column(f)
                cols[f] = _take(col, ents, rows, len(ids))
                ok = ctx.notna(f)[rows]
                groups.append((f, ents[ok], rows[ok]))
                if f != rule.field:  # a member the chosen record lacks: from the same place
                    fe, fr = _fill_compatible(ctx, rule, ents, rows, f)
                    if len(fe):
                        filled = _take(col, fe, fr, len(ids))
                        cols[f] = cols[f].where(cols[f].notna(), filled)
                        groups.append((f, fe, fr))
        for f, e, r in groups:
            label = rule.strategy if f == rule.field else f"{rule.strategy} (with {rule.field})"
            if label not in rule_labels:
                rule_labels.append(label)
            lin_e.append(e)
            lin_r.append(r)
            lin_f.append(np.full(len(e), field_pos[f], dtype=np.int16))
            lin_rule.append(np.full(len(e), rule_labels.index(label), dtype=np.int16))
    golden = pd.DataFrame({"entity_id": ids, **{f: cols[f] for f in STD_COLUMNS}}, copy=False)
    golden["n_records"] = np.bincount(ecode, minlength=len(ids))
    golden["sources"] = _sources(ctx)
    e, r = np.concatenate(lin_e), np.concatenate(lin_r)
    lineage = pd.DataFrame(
        {
            "entity_id": _categorical(e, ids),
            "field": _categorical(np.concatenate(lin_f), list(STD_COLUMNS)),
            "source": _categorical(ctx.src_code[r], list(ctx.src_names)),
            "record_id": _categorical(ctx.rid_code[r], ctx.rid_names),
            "rule": _categorical(np.concatenate(lin_rule), rule_labels),
        }
    )
    return GoldenResult(golden=golden, lineage=lineage)
