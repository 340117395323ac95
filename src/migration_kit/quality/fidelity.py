"""Field reconciliation: every value a customer's records hold is in the buyer's file, or a named
rule removed it.

:func:`field_reconciliation` follows each canonical field through the run, in three layers:

* **cleaning** (every record): records whose source cell holds a value (``raw__<field>``
  non-blank) and whose cleaned value is empty. Each such record must have a failure-table entry
  for that field (the rule that nulled it: ``PHONE_INVALID``, ``DATE_IMPOSSIBLE`` ...); those
  without one are *unexplained*. Fields derived from other columns (``given_name`` from a full
  name, ``city`` from an address) are counted where a raw column of their own exists.
* **golden records** (customers that transfer): customers any of whose records holds a cleaned
  value, and whose golden record holds none. Survivorship picks a value, it never drops one,
  with one named exception: a group rule keeps a place whole (``most_complete (with address)``:
  province, city, district, postcode from one record, a missing member filled only from a record
  of the same place), so a postcode of another address is not taken; those are
  ``golden_dropped_by_rule``. The rest are *unexplained*. A golden value that differs from the
  value of the record its lineage names (for picking rules; ``sum`` and ``all_true`` combine
  several records) is *untraced*, also unexplained.
* **export**: a field the minimisation plan does not export is dropped by that named rule (its
  reason, e.g. "not needed by any buyer purpose ... PIPL Art. 6"), and so is the value of a field
  the plan sends only under a condition (``condition``: a marketing-only field travels only with
  marketing consent) for a customer who does not meet it; any other exported field whose value is
  in the golden record but not in the buyer's table is unexplained. ``exported_formula_like``
  counts the exported text values a spreadsheet would run as a formula (they start with ``=``,
  ``+``, ``-``, ``@``: OWASP): the buyer receives them exactly as held; the handover README says
  how to open the files safely.

:func:`fidelity_gate` turns the total of unexplained losses into the built-in gate
:data:`FIDELITY_GATE` (``quality_gates.csv``): it fails when any value is unexplained, unless
``quality.overrides`` names the gate with a reason and an approver.

Example
-------
>>> import pandas as pd
>>> std = pd.DataFrame({"source": ["pos", "web"], "record_id": ["1", "2"],
...                     "raw__city": ["杭州", "Hangzhuo"], "city": ["杭州市", None]})
>>> ent = pd.DataFrame({"source": ["pos", "web"], "record_id": ["1", "2"],
...                     "entity_id": ["E1", "E1"]})
>>> golden = pd.DataFrame({"entity_id": ["E1"], "city": ["杭州市"]})
>>> lineage = pd.DataFrame({"entity_id": ["E1"], "field": ["city"], "source": ["pos"],
...                         "record_id": ["1"], "rule": ["most_complete"]})
>>> fields = pd.DataFrame({"field": ["city"], "exported": [True], "reason": ["needed"]})
>>> failures = pd.DataFrame({"source": [], "record_id": [], "field": [], "reason_code": []})
>>> recon = field_reconciliation(std, failures, ent, golden, lineage, fields, golden)
>>> recon.iloc[0][["records_nulled", "records_nulled_unexplained", "customers_with_value",
...                "exported_with_value", "unexplained"]].astype(int).tolist()
[1, 1, 1, 1, 1]
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..artifacts import ARTIFACTS
from ..runfolder import FORMULA_START
from ..schema import CANONICAL_FIELDS, FIELD_RECONCILIATION_COLUMNS, GATE_COLUMNS
from .spec import FIDELITY_GATE, QualitySpec

__all__ = [
    "AGGREGATE_RULES",
    "FIDELITY_GATE",
    "FIELD_RECONCILIATION_COLUMNS",
    "FIELD_RECONCILIATION_SHOWN",
    "fidelity_gate",
    "field_reconciliation",
]

#: The columns of ``field_reconciliation.csv`` an analyst reads first.
FIELD_RECONCILIATION_SHOWN = (
    "field",
    "records_with_source_value",
    "records_nulled_by_rule",
    "customers_with_value",
    "golden_with_value",
    "golden_dropped_by_rule",
    "exported",
    "dropped_by_rule",
    "exported_with_value",
    "unexplained",
)


#: Survivorship rules whose golden value combines several records (no single value to trace).
AGGREGATE_RULES = frozenset({"sum", "all_true"})

_RAW = "raw__"


def _present(s: pd.Series, blank: bool = False) -> np.ndarray:
    """A value is present when it is not null and, with ``blank`` (raw cells), not blank."""
    out = s.notna().to_numpy()
    if blank and s.dtype == object:
        try:
            arr = pa.array(s.to_numpy(), type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: the slow, general way
            text = s[out].astype(str).str.strip()
            out[np.flatnonzero(out)[(text == "").to_numpy()]] = False
            return out
        filled = pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(arr)), 0)
        out = filled.fill_null(False).to_numpy(zero_copy_only=False)
    return out


class _Keys:
    """Record keys ``(source, record_id)`` as integers shared by every table of the run."""

    def __init__(self, std: pd.DataFrame) -> None:
        self.sources = pd.Index(pd.unique(std["source"].astype(str)))
        self.ids = pd.Index(pd.unique(std["record_id"].astype(str)))
        self.std = self.of(std)
        self.row = pd.Index(self.std)

    def of(self, frame: pd.DataFrame) -> np.ndarray:
        """Integer key of each row of ``frame`` (-1 when its source or id is not in std)."""
        src = self._codes(frame["source"], self.sources)
        rid = self._codes(frame["record_id"], self.ids)
        return np.where((src < 0) | (rid < 0), -1, src * len(self.ids) + rid)

    @staticmethod
    def _codes(col: pd.Series, index: pd.Index) -> np.ndarray:
        if isinstance(col.dtype, pd.CategoricalDtype):  # lineage: map the categories once
            cats = index.get_indexer(col.cat.categories.astype(str))
            codes = col.cat.codes.to_numpy()
            return np.where(codes < 0, -1, cats[np.maximum(codes, 0)])
        return index.get_indexer(pd.Index(col.astype(str)))

    def rows(self, frame: pd.DataFrame) -> np.ndarray:
        """Position in std of each row of ``frame`` (-1: not a std record)."""
        return self.row.get_indexer(self.of(frame))


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise equality where both missing counts as equal."""
    av, bv = a.to_numpy(), b.to_numpy()
    both_missing = pd.isna(av) & pd.isna(bv)
    if av.dtype == bv.dtype and av.dtype != object:
        return both_missing | (av == bv)
    equal = pd.Series(av.astype(object) == bv.astype(object)).fillna(False).to_numpy(dtype=bool)
    return both_missing | equal


def field_reconciliation(
    std: pd.DataFrame,
    failures: pd.DataFrame,
    entities: pd.DataFrame,
    golden: pd.DataFrame,
    lineage: pd.DataFrame,
    fields: pd.DataFrame,
    exported: pd.DataFrame,
    groups: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Reconcile every canonical field from source cell to the buyer's table.

    Parameters
    ----------
    std : DataFrame
        Standardized records of every source, with their ``raw__<field>`` columns.
    failures : DataFrame
        The failure table (``source, record_id, field, reason_code`` used).
    entities : DataFrame
        ``source, record_id, entity_id`` of every record.
    golden : DataFrame
        Golden records of the customers that transfer (``entity_id`` + fields).
    lineage : DataFrame
        ``entity_id, field, source, record_id, rule`` of the golden values.
    fields : DataFrame
        The minimisation plan: ``field, exported, reason``.
    exported : DataFrame
        The buyer's customer table as it will be encrypted (``entity_id`` + exported fields).
    groups : mapping, optional
        Group member -> its survivorship group's lineage label (``"most_complete (with
        address)"``); by default read off the lineage labels of the member.

    Returns
    -------
    DataFrame
        :data:`FIELD_RECONCILIATION_COLUMNS`, one row per canonical field that any input holds,
        in canonical order; ``unexplained`` sums the three layers' unexplained counts.
    """
    keys = _Keys(std)
    fail = failures[["source", "record_id", "field", "reason_code"]]
    fail_row, fail_field = keys.rows(fail), fail["field"].astype(str).to_numpy()
    gold = golden.set_index("entity_id")
    # each record's golden row (-1: its customer does not transfer)
    ent_row = keys.rows(entities)
    rec_entity = np.full(len(std), None, dtype=object)
    rec_entity[ent_row[ent_row >= 0]] = entities["entity_id"].to_numpy()[ent_row >= 0]
    rec_gold = pd.Index(gold.index).get_indexer(rec_entity)
    in_scope = rec_gold >= 0
    out_table = exported.set_index("entity_id") if "entity_id" in exported else exported
    plan = fields.set_index("field") if len(fields) else pd.DataFrame(columns=["exported"])
    picked = lineage[lineage["entity_id"].isin(gold.index) & ~lineage["rule"].isin(AGGREGATE_RULES)]
    picked_row = keys.rows(picked)
    picked_field = picked["field"].astype("category")
    picked_gold = _Keys._codes(picked["entity_id"], pd.Index(gold.index))  # categories once
    rows = []
    for field in CANONICAL_FIELDS:
        has_raw, has_std = f"{_RAW}{field}" in std, field in std
        if not (has_raw or has_std or field in gold):
            continue
        row: dict[str, object] = {"field": field}
        # cleaning: source cell held a value, cleaned value empty
        clean = _present(std[field]) if has_std else np.zeros(len(std), bool)
        if has_raw:
            raw = _present(std[f"{_RAW}{field}"], blank=True)
            nulled = raw & ~clean
            mine = fail_field == field
            code_of = pd.Series(fail["reason_code"].to_numpy()[mine], index=fail_row[mine])
            code_of = code_of[~code_of.index.duplicated()]
            codes = code_of.reindex(np.flatnonzero(nulled))
            by_rule = codes.notna().to_numpy()
            row.update(
                records_with_source_value=int(raw.sum()),
                records_nulled=int(nulled.sum()),
                records_nulled_by_rule=int(by_rule.sum()),
                records_nulled_unexplained=int((~by_rule).sum()),
                nulled_rules=";".join(
                    f"{c}:{n}" for c, n in sorted(codes.dropna().value_counts().items())
                ),
            )
        else:
            row.update(
                records_with_source_value=None,
                records_nulled=0,
                records_nulled_by_rule=0,
                records_nulled_unexplained=0,
                nulled_rules="",
            )
        row["records_with_clean_value"] = int(clean.sum())
        # golden: customers holding a value in any record
        holders = np.zeros(len(gold), dtype=bool)
        holders[rec_gold[clean & in_scope]] = True
        g_has = pd.Series(
            _present(gold[field]) if field in gold else np.zeros(len(gold), bool), index=gold.index
        )
        row["customers_with_value"] = int(holders.sum())
        row["golden_with_value"] = int(g_has.sum())
        lost = holders & ~g_has.to_numpy()
        group = (groups or {}).get(field)
        kept_whole, label = _kept_whole(field, gold.index[lost], lineage, group)
        row["golden_dropped_by_rule"] = kept_whole
        row["golden_drop_rule"] = label
        row["golden_lost"] = int(lost.sum()) - kept_whole
        on = (picked_field == field).to_numpy()
        row["golden_untraced"] = (
            _untraced(field, gold, picked_gold[on], picked_row[on], std) if has_std else 0
        )
        # export: minimisation drops by its named rule; an exported value must arrive
        is_exported = bool(plan["exported"].get(field, False)) if field in plan.index else False
        row["exported"] = is_exported
        reason = str(plan["reason"].get(field, "")) if field in plan.index else ""
        row["dropped_by_rule"] = 0 if is_exported else int(g_has.sum())
        row["drop_rule"] = "" if is_exported else (reason or "not in the minimisation plan")
        if is_exported and field in out_table:
            e_has = pd.Series(_present(out_table[field]), index=out_table.index)
            row["exported_with_value"] = int(e_has.sum())
            row["exported_formula_like"] = _formula_like(out_table[field])
            lost = g_has[g_has].index.difference(e_has[e_has].index)
            condition = str(plan["condition"].get(field, "")) if "condition" in plan else ""
            if condition:  # e.g. a marketing-only field of a customer who did not consent
                row["dropped_by_rule"] = len(lost)
                row["drop_rule"] = f"travels only with {condition} on record"
                lost = lost[:0]
            row["export_lost"] = len(lost)
        else:
            row["exported_with_value"] = 0
            row["exported_formula_like"] = 0
            row["export_lost"] = int(g_has.sum()) if is_exported else 0
        row["unexplained"] = (
            int(row["records_nulled_unexplained"])  # type: ignore[call-overload]
            + int(row["golden_lost"])  # type: ignore[call-overload]
            + int(row["golden_untraced"])  # type: ignore[call-overload]
            + int(row["export_lost"])  # type: ignore[call-overload]
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=list(FIELD_RECONCILIATION_COLUMNS))


def _kept_whole(
    field: str, lost: pd.Index, lineage: pd.DataFrame, group: str | None
) -> tuple[int, str]:
    """How many of the ``lost`` customers' ``field`` a group rule left out (their golden record
    holds the group's place from another record), and the rule's label."""
    if not len(lost):
        return 0, ""
    if group is None:
        labels = lineage.loc[lineage["field"] == field, "rule"].astype(str).unique()
        group = next((lb for lb in labels if " (with " in lb), None)
    if group is None:
        return 0, ""
    lead = group.split(" (with ", 1)[1].rstrip(")")
    mine = lineage[lineage["entity_id"].isin(lost)]
    rule = mine["rule"].astype(str)
    placed = mine.loc[(rule == group) | (mine["field"].astype(str) == lead), "entity_id"]
    n = int(pd.Index(lost).isin(placed).sum())
    return n, (f"survivorship {group}: a place is kept whole, another place's value not mixed in")


def _formula_like(col: pd.Series) -> int:
    """Text values a spreadsheet would run as a formula (they start with a FORMULA_START)."""
    if col.dtype != object:
        return 0
    try:
        arr = pa.array(col.to_numpy(), type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return int(col.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START)).sum())
    pattern = "^[" + "".join(re.escape(c) for c in FORMULA_START) + "]"
    return int(pc.sum(pc.match_substring_regex(arr, pattern)).as_py() or 0)


def _untraced(
    field: str, gold: pd.DataFrame, entity: np.ndarray, row: np.ndarray, std: pd.DataFrame
) -> int:
    """Golden values of picking rules (golden row ``entity``, std ``row`` of each lineage entry)
    that differ from the value of the record lineage names; a lineage record missing from std
    counts too."""
    if field not in gold or not len(entity):
        return 0
    known = (row >= 0) & (entity >= 0)
    source_values = std[field].iloc[row[known]]
    golden_values = gold[field].iloc[entity[known]]
    return int((~known).sum() + (~_same(golden_values, source_values)).sum())


def fidelity_gate(recon: pd.DataFrame, spec: QualitySpec) -> pd.DataFrame:
    """The built-in gate row (:data:`~migration_kit.schema.GATE_COLUMNS`): unexplained losses.

    Example
    -------
    >>> import pandas as pd
    >>> recon = pd.DataFrame({"field": ["city"], "unexplained": [2], "golden_lost": [2],
    ...                       "records_nulled_unexplained": [0], "golden_untraced": [0],
    ...                       "export_lost": [0]})
    >>> row = fidelity_gate(recon, QualitySpec.default()).iloc[0]
    >>> row.status, float(row.score)
    ('fail', 2.0)
    """
    total = int(recon["unexplained"].sum()) if len(recon) else 0
    ok = total == 0
    ov = spec.override_for(FIDELITY_GATE)
    worst = recon[recon["unexplained"] > 0] if len(recon) else recon
    parts = []
    labels = {
        "records_nulled_unexplained": "records nulled in cleaning without a failure entry",
        "golden_lost": "customers whose records hold it and whose golden record does not",
        "golden_untraced": "golden values unlike the record their lineage names",
        "export_lost": "exported values missing from the buyer's table",
    }
    for _, r in worst.iterrows():
        kinds = [f"{int(r[c])} {label}" for c, label in labels.items() if r[c]]
        parts.append(f"{r['field']}: {', '.join(kinds)}")
    message = (
        ""
        if ok
        else (
            f"gate {FIDELITY_GATE}: {total} values lost without a named rule ("
            + "; ".join(parts)
            + f"); see {ARTIFACTS['field_reconciliation'].path}; fix the rule that loses them or "
            "add an "
            f"override under quality.overrides with gate: {FIDELITY_GATE!r}, reason and "
            "approved_by"
        )
    )
    status = "pass" if ok else ("overridden" if ov else "fail")
    row = {
        "gate": FIDELITY_GATE,
        "stage": "after",
        "metric": FIDELITY_GATE,
        "score": float(total),
        "threshold": 0.0,
        "status": status,
        "override_reason": ov.reason if (ov and not ok) else "",
        "approved_by": ov.approved_by if (ov and not ok) else "",
        "message": message,
    }
    return pd.DataFrame([row], columns=list(GATE_COLUMNS))
