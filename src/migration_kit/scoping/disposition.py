"""Decide, for every record and every golden customer, whether it moves to the buyer and why.

:func:`decide` computes per-customer features (:func:`entity_features`), evaluates the rule table
(:mod:`.rules`) and writes one disposition per customer and per record:

- an excluded customer: every record ``excluded`` with the sorted, ``;``-joined reason codes;
- a transferred customer: its representative record ``transferred`` (legal basis code), the others
  ``merged`` into it (``merged_into`` = ``source:record_id`` of the representative).

A suppression hit on ANY record of a customer excludes the whole customer. A share sale moves
nothing: every record is ``excluded`` with ``SHARE_SALE_NO_TRANSFER`` and ``destroy`` False (the
seller keeps it; the destruction log says "retained (not destroyed)").

Example
-------
>>> res = decide(std, entities, golden, suppression, policy, deal)   # doctest: +SKIP
>>> res.reconcile()                                                  # doctest: +SKIP
{'input': 5, 'transferred': 2, 'merged': 1, 'excluded': 2}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..codes import count_codes
from ..deals import deal_type
from ..errors import LawfulnessError, ScopingError
from ..schema import ENTITY_DISPOSITION_COLUMNS, RECORD_DISPOSITION_COLUMNS
from .crossborder import crossborder_summary
from .policy import PolicySpec
from .rules import MERGED_CODE, RULES, RuleContext, evaluate_rules
from .suppression import MATCH_FIELDS, match_suppression

if TYPE_CHECKING:  # pragma: no cover
    from ..params import Deal

__all__ = [
    "ENTITY_COLUMNS",
    "KEYS",
    "RECORD_COLUMNS",
    "SCOPING_STD_COLUMNS",
    "ScopingResult",
    "decide",
    "entity_features",
    "read_consent_register",
    "reconcile",
]

KEYS = ["source", "record_id"]
RECORD_COLUMNS = list(RECORD_DISPOSITION_COLUMNS)
ENTITY_COLUMNS = list(ENTITY_DISPOSITION_COLUMNS)


def reconcile(n_input: int, record_dispositions: pd.DataFrame) -> dict[str, int]:
    """Check ``input = transferred + merged + excluded``; raise :class:`ScopingError` with the
    numbers otherwise.

    Example
    -------
    >>> reconcile(2, pd.DataFrame({"disposition": ["transferred", "excluded"]}))
    {'input': 2, 'transferred': 1, 'merged': 0, 'excluded': 1}
    """
    counts = record_dispositions["disposition"].value_counts()
    out = {"input": int(n_input)} | {
        d: int(counts.get(d, 0)) for d in ("transferred", "merged", "excluded")
    }
    other = int(
        len(record_dispositions) - sum(out[d] for d in ("transferred", "merged", "excluded"))
    )
    total = out["transferred"] + out["merged"] + out["excluded"]
    if total != out["input"] or other:
        raise ScopingError(
            f"record counts do not reconcile: input {out['input']} != transferred "
            f"{out['transferred']} + merged {out['merged']} + excluded {out['excluded']} "
            f"(= {total}); {other} rows have another disposition. Every input record needs "
            "exactly one disposition: check that entities covers std one-to-one."
        )
    return out


@dataclass
class ScopingResult:
    """Everything :func:`decide` decided. Tables are plain DataFrames the pipeline writes to the
    run folder."""

    record_dispositions: pd.DataFrame
    entity_dispositions: pd.DataFrame
    fields: pd.DataFrame
    crossborder: dict[str, Any]
    features: pd.DataFrame
    n_input: int
    deal_type: str
    extra: dict[str, Any] = field(default_factory=dict)

    def reconcile(self) -> dict[str, int]:
        """``input = transferred + merged + excluded`` or :class:`ScopingError` with the numbers."""
        return reconcile(self.n_input, self.record_dispositions)

    @property
    def exported_fields(self) -> list[str]:
        return self.fields.loc[self.fields["exported"], "field"].tolist()

    @property
    def dropped_fields(self) -> pd.DataFrame:
        return self.fields.loc[~self.fields["exported"], ["field", "reason"]].reset_index(drop=True)

    def reconsent_list(self) -> pd.DataFrame:
        """Customers held back only for lack of consent (asset sale): to be asked for consent."""
        e = self.entity_dispositions
        held = e["reason_codes"].isin(["HELD_NO_CONSENT", "HELD_NO_CONSENT_ABROAD"])
        return e.loc[held, ["entity_id", "region"]].reset_index(drop=True)

    def counts_by_reason(self, level: str = "entity") -> pd.DataFrame:
        """Aggregate counts per reason code (a row with two codes counts under both)."""
        df = self.entity_dispositions if level == "entity" else self.record_dispositions
        counts = count_codes(df["reason_codes"])
        return counts.rename_axis("reason_code").reset_index(name="count")


def _id_birth(ids: pd.Series) -> pd.Series:
    s = ids.astype("string")
    part = s.str.slice(6, 14).where(s.str.len() == 18)
    return pd.to_datetime(part, format="%Y%m%d", errors="coerce")


def _dt(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(df[col]):
        return df[col]
    return pd.to_datetime(df[col], errors="coerce")


def _on_list(rec: pd.DataFrame, listed: pd.DataFrame | None) -> np.ndarray:
    """Which records of ``rec`` a ``source, record_id`` list names (guardian consents, the
    consent register)."""
    if listed is None or not len(listed):
        return np.zeros(len(rec), dtype=bool)
    keys = set(listed["source"].astype(str) + ":" + listed["record_id"].astype(str))
    return (rec["source"].astype(str) + ":" + rec["record_id"].astype(str)).isin(keys).to_numpy()


def _age(birth: pd.Series, on: pd.Timestamp) -> pd.Series:
    before = (birth.dt.month > on.month) | ((birth.dt.month == on.month) & (birth.dt.day > on.day))
    return on.year - birth.dt.year - before.astype(float)


_FEATURE_COLUMNS = (
    "phone",
    "email",
    "id_number",
    # the raw identifier cells: a request matches a record whose value cleaning nulled
    *(f"raw__{f}" for f in MATCH_FIELDS),
    "birth_date",
    "country",
    "created_at",
    "last_activity_at",
)
#: The std columns scoping reads (:func:`decide`, the request matching, the lookup index):
#: the keys and :data:`_FEATURE_COLUMNS`; the pipeline reads no more of std for it.
SCOPING_STD_COLUMNS = (*KEYS, *_FEATURE_COLUMNS)


def _join(
    std: pd.DataFrame, entities: pd.DataFrame, golden: pd.DataFrame, policy: PolicySpec
) -> pd.DataFrame:
    """The std columns scoping needs plus ``entity_id`` (std row order), after checking coverage
    both ways."""
    for name, df, cols in (
        ("std", std, KEYS),
        ("entities", entities, [*KEYS, "entity_id"]),
        ("golden", golden, ["entity_id"]),
    ):
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ScopingError(
                f"{name} lacks columns {missing}; see docs/architecture.md (stage 4 inputs)"
            )
    if std.duplicated(KEYS).any():
        raise ScopingError(
            f"std has {int(std.duplicated(KEYS).sum())} duplicate (source, record_id) keys; "
            "keys must be unique"
        )
    # linkage writes entities in std's row order: then each row's entity is taken as it stands
    # (a merge on the keys gives the same, 926k records: 0.5 s)
    aligned = len(entities) == len(std) and all(
        (entities[k].to_numpy() == std[k].to_numpy()).all() for k in KEYS
    )
    if not aligned and entities.duplicated(KEYS).any():
        raise ScopingError(
            "entities lists a (source, record_id) more than once; each record belongs to one entity"
        )
    wanted = set(_FEATURE_COLUMNS)
    cols = [*KEYS, *(c for c in std.columns if c in wanted and c not in KEYS)]
    if aligned:
        rec = std[cols].reset_index(drop=True)
        rec["entity_id"] = entities["entity_id"].to_numpy()
    else:
        rec = std[cols].merge(entities[[*KEYS, "entity_id"]], on=KEYS, how="left", sort=False)
    lost = rec["entity_id"].isna().to_numpy()
    if lost.any():
        at = int(np.argmax(lost))
        first = f"{rec['source'].iat[at]}:{rec['record_id'].iat[at]}"
        raise ScopingError(
            f"{int(lost.sum())} std records without an entity (first: {first}); "
            "entities must list every std record exactly once"
        )
    if len(entities) != len(std):
        raise ScopingError(
            f"{len(entities) - len(std)} entities rows without a std record; "
            "entities must list every std record exactly once"
        )
    orphans = pd.Index(rec["entity_id"].unique()).difference(pd.Index(golden["entity_id"]))
    if len(orphans):
        raise ScopingError(
            f"{len(orphans)} entity ids have no golden record "
            f"(first: {orphans.sort_values()[0]}); rerun linkage"
        )
    return rec


def entity_features(
    std: pd.DataFrame,
    entities: pd.DataFrame,
    golden: pd.DataFrame,
    suppression: pd.DataFrame | None,
    policy: PolicySpec,
    guardian_consents: pd.DataFrame | None = None,
    resolutions: pd.DataFrame | None = None,
    consent_register: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per entity (index ``entity_id``, sorted) with what the rules test.

    Columns: ``n_records, last_seen, birth, age, is_minor, guardian_consent, withdrawn, erasure,
    optout, consent, consent_abroad, retention_expired, country, region, has_id_number,
    age_unknown, children_source``. Dates
    and minors are taken over ALL records of the customer and the golden record (the youngest
    birth date wins: protective when sources disagree); a customer with no date at all is not
    retention-expired.

    Example
    -------
    >>> f = entity_features(std, entities, golden, None, policy)   # doctest: +SKIP
    """
    return _features(
        _join(std, entities, golden, policy),
        golden,
        suppression,
        policy,
        guardian_consents,
        resolutions,
        consent_register,
    )


def _features(
    rec: pd.DataFrame,
    golden: pd.DataFrame,
    suppression: pd.DataFrame | None,
    policy: PolicySpec,
    guardian_consents: pd.DataFrame | None,
    resolutions: pd.DataFrame | None = None,
    consent_register: pd.DataFrame | None = None,
    matches: pd.DataFrame | None = None,
) -> pd.DataFrame:
    on = pd.Timestamp(policy.require_date())
    codes, uniq = pd.factorize(rec["entity_id"], sort=True)
    sup = match_suppression(rec, suppression, resolutions, matches)
    ids = (
        rec["id_number"]
        if "id_number" in rec.columns
        else pd.Series(None, index=rec.index, dtype=object)
    )
    guardian = _on_list(rec, guardian_consents)
    country = (
        rec["country"].astype(object)
        if "country" in rec.columns
        else pd.Series(None, index=rec.index, dtype=object)
    )
    r = pd.DataFrame(
        {
            "e": codes,
            "withdrawn": sup["withdrawn"].to_numpy(),
            "erasure": sup["erasure"].to_numpy(),
            "optout": sup["optout"].to_numpy(),
            "last_seen": pd.concat([_dt(rec, "last_activity_at"), _dt(rec, "created_at")], axis=1)
            .max(axis=1)
            .to_numpy(),
            "birth": _dt(rec, "birth_date").fillna(_id_birth(ids)).to_numpy(),
            "consent": _on_list(rec, consent_register),
            "consent_abroad": _on_list(rec, _abroad(consent_register)),
            "guardian_consent": guardian,
            "country_any": country.to_numpy(),
            "children_source": rec["source"].isin(list(policy.children_sources)).to_numpy(),
        }
    )
    g = r.groupby("e", sort=True).agg(
        n_records=("e", "size"),
        last_seen=("last_seen", "max"),
        birth=("birth", "max"),
        withdrawn=("withdrawn", "any"),
        erasure=("erasure", "any"),
        optout=("optout", "any"),
        consent=("consent", "any"),
        consent_abroad=("consent_abroad", "any"),
        guardian_consent=("guardian_consent", "any"),
        country_any=("country_any", "first"),
        children_source=("children_source", "any"),
    )
    g.index = pd.Index(uniq, name="entity_id")
    gold = golden.drop_duplicates("entity_id").set_index("entity_id").reindex(g.index)
    gold_ids = (
        gold["id_number"]
        if "id_number" in gold.columns
        else pd.Series(None, index=gold.index, dtype=object)
    )
    g["birth"] = pd.concat(
        [g["birth"], _dt(gold, "birth_date").fillna(_id_birth(gold_ids))], axis=1
    ).max(axis=1)
    g["last_seen"] = pd.concat(
        [g["last_seen"], _dt(gold, "last_activity_at"), _dt(gold, "created_at")], axis=1
    ).max(axis=1)
    g["age"] = _age(g["birth"], on)
    g["is_minor"] = (g["age"] < policy.minor_age).fillna(False).astype(bool)
    g["age_unknown"] = g["age"].isna().to_numpy()
    if policy.retention_years:
        g["retention_expired"] = (
            g["last_seen"] < on - pd.DateOffset(years=policy.retention_years)
        ).to_numpy()
    else:
        g["retention_expired"] = False
    gc = (
        gold["country"].astype(object)
        if "country" in gold.columns
        else pd.Series(None, index=g.index, dtype=object)
    )
    g["country"] = gc.where(gc.notna(), g["country_any"])
    g["region"] = np.select(
        [g["country"] == "CN", g["country"].isin(list(policy.eu_countries)), g["country"].notna()],
        ["CN", "EEA", "OTHER"],
        "UNKNOWN",
    )
    g["has_id_number"] = gold_ids.notna().to_numpy()
    return g.drop(columns=["country_any"])


def _join_codes(hits: pd.DataFrame, codes: list[str]) -> np.ndarray:
    """Sorted ``;``-joined codes of the True columns, per row (strings built once per distinct
    combination)."""
    codes = sorted(codes)
    bits = np.zeros(len(hits), dtype=np.int64)
    for i, code in enumerate(codes):
        bits |= hits[code].to_numpy(dtype=np.int64) << i
    uniq, inv = np.unique(bits, return_inverse=True)
    text = np.array(
        [";".join(c for i, c in enumerate(codes) if (int(u) >> i) & 1) for u in uniq], dtype=object
    )
    return text[inv.reshape(-1)] if len(bits) else np.array([], dtype=object)


def _lineage_counts(rec: pd.DataFrame, lineage: pd.DataFrame | None) -> np.ndarray:
    """Per record of ``rec``: the golden values its lineage rows name it the source of, for the
    record's own entity (0 where none)."""
    cols = ["entity_id", *KEYS]
    if lineage is None or not len(lineage):
        return np.zeros(len(rec), dtype=np.int64)
    lin = (
        [lineage[c].cat for c in cols]
        if all(isinstance(lineage[c].dtype, pd.CategoricalDtype) for c in cols)
        else []
    )
    dense = len(lin[1].categories) * max(len(lin[2].categories), 1) if lin else 0
    if not lin or dense > 8 * len(rec) + 1024:  # the position table would outgrow the records
        n = lineage.groupby(cols, observed=True).size().rename("named").reset_index()
        joined = rec[cols].merge(n, on=cols, how="left")["named"]
        return joined.fillna(0).to_numpy(np.int64)
    # categoricals (the work table): each lineage row's record position by integer codes
    # instead of a 3-key groupby and merge over every lineage row (14M rows at 926k records)
    at = [
        pd.Categorical(rec[c].astype(str), categories=cat.categories.astype(str)).codes
        for c, cat in zip(cols, lin, strict=True)
    ]
    n_rid = max(len(lin[2].categories), 1)
    position = np.full(len(lin[1].categories) * n_rid, -1, dtype=np.int64)
    known = (at[1] >= 0) & (at[2] >= 0)
    position[at[1][known].astype(np.int64) * n_rid + at[2][known]] = np.flatnonzero(known)
    src, rid = lin[1].codes.astype(np.int64), lin[2].codes.astype(np.int64)
    pos = np.where(
        (src >= 0) & (rid >= 0), position[np.maximum(src, 0) * n_rid + np.maximum(rid, 0)], -1
    )
    same = pos >= 0
    same[same] = at[0][pos[same]] == lin[0].codes[same]
    return np.bincount(pos[same], minlength=len(rec)).astype(np.int64)


def _order_and_representatives(
    rec: pd.DataFrame, ecode: np.ndarray, n_ent: int, lineage: pd.DataFrame | None
) -> tuple[np.ndarray, np.ndarray]:
    """(positions of rec sorted by (source, record_id); position of each entity's representative
    record)."""
    src = pd.factorize(rec["source"].astype(str), sort=True)[0]
    rid = pd.factorize(rec["record_id"].astype(str), sort=True)[0]
    key_order = np.lexsort((rid, src))
    rank = np.empty(len(rec), dtype=np.int64)
    rank[key_order] = np.arange(len(rec))
    named = _lineage_counts(rec, lineage)
    order = np.lexsort((rank, -named, ecode))
    first = order[np.r_[True, ecode[order][1:] != ecode[order][:-1]]] if len(order) else order
    rep = np.full(n_ent, -1, dtype=np.int64)
    rep[ecode[first]] = first
    return key_order, rep


_REGISTER_COLUMNS = ("source", "record_id", "consented_at")
_YES = {"1", "true", "yes", "y", "是"}


def _abroad(register: pd.DataFrame | None) -> pd.DataFrame | None:
    """The register's consents that also cover the transfer abroad (column ``abroad``)."""
    if register is None or "abroad" not in register.columns:
        return None
    return register[register["abroad"].astype(str).str.strip().str.lower().isin(_YES)]


def read_consent_register(path: Path, rec: pd.DataFrame) -> pd.DataFrame:
    """The consent register (``source, record_id, consented_at``; optional ``channel`` and
    ``abroad``: yes when the consent also covers the transfer abroad, PIPL Art. 39): every row
    must name a record of the sources and give the date of the consent.

    Raises
    ------
    LawfulnessError
        A column is missing, a row names no record, or has no consent date.
    """
    reg = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in _REGISTER_COLUMNS if c not in reg.columns]
    if missing:
        raise LawfulnessError(
            f"{path}: missing column(s) {', '.join(missing)}; the consent register needs "
            f"{', '.join(_REGISTER_COLUMNS)} (and optionally channel), one row per consent"
        )
    known = set(rec["source"].astype(str) + ":" + rec["record_id"].astype(str))
    keys = reg["source"].astype(str) + ":" + reg["record_id"].astype(str)
    bad = ~keys.isin(known) | (reg["consented_at"].str.strip() == "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        what = "names no record of the sources" if not keys.isin(known).iat[i] else "has no date"
        raise LawfulnessError(
            f"{path}: row {i + 2} {what} ({int(bad.sum())} such rows); each consent names a "
            "source and record id as in the exports, and the date it was given"
        )
    return reg


def _age_unknown_by_source(
    rec: pd.DataFrame, feats: pd.DataFrame, ent: pd.DataFrame
) -> pd.DataFrame:
    """Per source: customers with a record there, how many transfer, and how many of those have
    no birth date and no ID number anywhere (their age, so their minority, is unknown)."""
    moving = ent.set_index("entity_id")["disposition"].eq("transferred")
    per = rec[["source", "entity_id"]].drop_duplicates()
    per = per.assign(
        transferred=per["entity_id"].map(moving).fillna(False).astype(bool).to_numpy(),
        age_unknown=per["entity_id"].map(feats["age_unknown"]).fillna(True).astype(bool).to_numpy(),
    )
    per["transferred_age_unknown"] = per["transferred"] & per["age_unknown"]
    out = per.groupby("source", sort=True).agg(
        customers=("entity_id", "size"),
        transferred=("transferred", "sum"),
        transferred_age_unknown=("transferred_age_unknown", "sum"),
    )
    return out.reset_index().astype({"transferred": "int64", "transferred_age_unknown": "int64"})


def decide(
    std: pd.DataFrame,
    entities: pd.DataFrame,
    golden: pd.DataFrame,
    suppression: pd.DataFrame | None,
    policy: PolicySpec,
    deal: Deal,
    *,
    guardian_consents: pd.DataFrame | None = None,
    lineage: pd.DataFrame | None = None,
    resolutions: pd.DataFrame | None = None,
    consent_register: pd.DataFrame | None = None,
    matches: pd.DataFrame | None = None,
    ledger_prior: Mapping[str, int] | None = None,
) -> ScopingResult:
    """Apply the policy and the rule table to every customer and record.

    Parameters
    ----------
    std, entities, golden : DataFrame
        Stage 2-3 outputs (docs/architecture.md).
    suppression : DataFrame or None
        Normalized list (:func:`~migration_kit.scoping.suppression.normalize_suppression`).
    policy : PolicySpec
    deal : params.Deal
        ``type``, ``seller.name/contact``, ``recipient.name/contact/country``.
    guardian_consents : DataFrame, optional
        ``source, record_id`` with guardian consent; read from ``policy.guardian_consents`` when
        None.
    lineage : DataFrame, optional
        Linkage lineage; the record it names most becomes the representative (else the smallest
        key).
    matches : DataFrame, optional
        :func:`~migration_kit.scoping.suppression.request_matches` of ``std`` already computed
        (row positions of ``std``); computed here when None.
    ledger_prior : mapping, optional
        What other runs of the seller sent abroad this year (``individuals``,
        ``sensitive_individuals``), added to the cross-border counts.
    consent_register : DataFrame, optional
        ``source, record_id`` of records whose separate consent to the transfer is on file
        (asset sale, PIPL Art. 23); read from ``policy.asset_sale.consent_register`` when None.
    resolutions : DataFrame, optional
        Requests matched to records by hand (``request_id, request_type, source, record_id``):
        they apply like matched ones.

    Returns
    -------
    ScopingResult
        Already reconciled (raises :class:`ScopingError` when counts do not add up).

    Example
    -------
    >>> res = decide(std, entities, golden, None, policy, deal)   # doctest: +SKIP
    >>> res.reconcile()["input"] == len(std)                      # doctest: +SKIP
    True
    """
    policy.require_date()
    rec = _join(std, entities, golden, policy)
    if guardian_consents is None and policy.guardian_consents is not None:
        guardian_consents = pd.read_csv(policy.guardian_consents, dtype=str)
    if consent_register is None and policy.asset_sale.consent_register is not None:
        consent_register = read_consent_register(policy.asset_sale.consent_register, rec)
    feats = _features(
        rec, golden, suppression, policy, guardian_consents, resolutions, consent_register, matches
    )
    hits = evaluate_rules(RuleContext(feats, policy, deal))
    excl = [r for r in RULES if r.kind == "exclude"]
    excluded = hits[[r.code for r in excl]].any(axis=1).to_numpy()
    destroy = np.zeros(len(feats), dtype=bool)
    for r in excl:
        destroy |= hits[r.code].to_numpy() & policy.destroy.get(r.code, r.destroy)
    kind = deal_type(deal.type)
    consented = feats["consent"].to_numpy(dtype=bool)
    if kind.needs_consent and policy.asset_sale.basis == "business_transfer":
        consented = np.zeros(len(feats), dtype=bool)  # all move on the business-transfer basis
    basis = np.where(consented, kind.basis_consent, kind.basis_contract).astype(object)
    reasons = np.where(excluded, _join_codes(hits, [r.code for r in excl]), basis)
    flag_txt = np.where(
        excluded, "", _join_codes(hits, [r.code for r in RULES if r.kind == "flag"])
    )
    ecode = feats.index.get_indexer(pd.Index(rec["entity_id"]))
    key_order, rep = _order_and_representatives(rec, ecode, len(feats), lineage)
    rep_key = (
        rec["source"].astype(str).to_numpy(object)[rep]
        + ":"
        + rec["record_id"].astype(str).to_numpy(object)[rep]
    )
    ent = pd.DataFrame(
        {
            "entity_id": feats.index.to_numpy(),
            "disposition": np.where(excluded, "excluded", "transferred"),
            "reason_codes": reasons,
            "flags": flag_txt,
            "region": feats["region"].to_numpy(),
            "n_records": feats["n_records"].to_numpy(),
            "destroy": destroy,
            "representative": np.where(excluded, None, rep_key),
        }
    )
    is_rep = np.zeros(len(rec), dtype=bool)
    is_rep[rep] = True
    ex = excluded[ecode]
    own = ex | is_rep
    out = (
        pd.DataFrame(
            {
                "source": rec["source"].to_numpy(),
                "record_id": rec["record_id"].to_numpy(),
                "entity_id": rec["entity_id"].to_numpy(),
                "disposition": np.select([ex, is_rep], ["excluded", "transferred"], "merged"),
                "merged_into": np.where(own, None, rep_key[ecode]),
                "reason_codes": np.where(own, reasons[ecode], MERGED_CODE),
                "destroy": ex & destroy[ecode],
            }
        )
        .take(key_order)
        .reset_index(drop=True)[RECORD_COLUMNS]
    )
    unknown = _age_unknown_by_source(rec, feats, ent)
    fields = policy.field_plan(list(golden.columns))
    cb = crossborder_summary(ent, feats, golden, fields, policy, deal, ledger_prior)
    result = ScopingResult(
        out,
        ent[ENTITY_COLUMNS],
        fields,
        cb,
        feats,
        len(std),
        deal.type,
        extra={"age_unknown_by_source": unknown},
    )
    result.reconcile()
    return result
