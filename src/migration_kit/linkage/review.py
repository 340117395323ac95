"""Clerical review: the masked queue of uncertain pairs, the analyst's decisions, and applying them.

The queue holds the pairs with ``lower <= match_probability < upper``, side by side and masked
(names, phones, e-mails, ID numbers, addresses, postcodes and organizations through
:mod:`migration_kit.masking`; birth date as the year only; gender, district, city and country as
coarse attributes), with the level every comparison found (``level_<c>``) and the weight it
contributed (``w_<c>``). Pairs with a withdrawal or erasure request on one record come first, then
the most uncertain (probability nearest 0.5). The analyst fills the ``decision`` column (or the
review app does, in the client's decisions file) and every run reads it back with
:func:`read_decisions`; decisions are keyed by record identity (``source, record_id``) and override
the model:

``match``
    the two records' entities are merged (the merged entity keeps the smaller entity id).
``non_match``
    if the two records share an entity (after the merges), the record with the larger
    ``(source, record_id)`` key leaves it, alone, to a new entity (the other records stay).
``split``
    record a (``source_a, record_id_a``; b may be empty) leaves its entity, alone, to a new entity.

A record that leaves entity ``E0000042`` gets ``E0000042-S1`` (``-S2``... by key order; an id
already in use is skipped). Order: splits, then merges, then non-matches, so a ``split`` plus a
``match`` moves a record to another entity, and a ``non_match`` also holds inside merged entities.
A ``match`` that a ``non_match`` separates again is a contradiction (:func:`check_decisions`
names the file and rows; :class:`LinkageError` here). A decision naming a record this run does not
have is set aside by :func:`partition_decisions` and reported, never silently dropped.
Applying the same decisions again changes nothing (a record already alone is not split; records
already together are not merged; records already apart are not separated).

Example
-------
>>> import pandas as pd
>>> ent = pd.DataFrame({"source": ["pos", "pos", "web"], "record_id": ["1", "2", "7"],
...                     "entity_id": ["E1", "E1", "E2"]})
>>> dec = pd.DataFrame({"source_a": ["pos", "pos"], "record_id_a": ["2", "1"],
...                     "source_b": ["", "web"], "record_id_b": ["", "7"],
...                     "decision": ["split", "match"]})
>>> apply_decisions(ent, dec)["entity_id"].tolist()
['E1', 'E1-S1', 'E1']
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, LinkageError, ParamsError
from ..masking import mask_cell, mask_series, mask_value
from ..runfolder import atomic_path, unescape_formulas, write_csv

__all__ = [
    "DECISIONS",
    "REVIEW_FIELDS",
    "STALE_COLUMNS",
    "apply_decisions",
    "check_decisions",
    "pair_id",
    "partition_decisions",
    "read_decisions",
    "review_queue",
    "write_review_queue",
]

#: Values the ``decision`` column may hold (besides empty = not decided).
DECISIONS: tuple[str, ...] = ("match", "non_match", "split")
#: Queue column stem -> standardized field shown side by side (masked unless coarse).
REVIEW_FIELDS: dict[str, str] = {
    "name": "full_name",
    "phone": "phone",
    "email": "email",
    "id_number": "id_number",
    "birth_year": "birth_date",
    "gender": "gender",
    "address": "address",
    "postcode": "postcode",
    "district": "district",
    "city": "city",
    "country": "country",
    "organization": "organization",
}
_COARSE = ("gender", "district", "city", "country")  # shown as is: not identifying on their own
_KEY_COLS = ("source_a", "record_id_a", "source_b", "record_id_b")


def pair_id(source_a: str, record_id_a: str, source_b: str, record_id_b: str) -> str:
    """Stable id of an unordered record pair: 16 hex digits of SHA-256 over the two sorted keys.

    Example
    -------
    >>> pair_id("pos", "1", "web", "7") == pair_id("web", "7", "pos", "1")
    True
    """
    a, b = sorted([(str(source_a), str(record_id_a)), (str(source_b), str(record_id_b))])
    return hashlib.sha256("\x1f".join(a + b).encode("utf-8")).hexdigest()[:16]


def _display(std: pd.DataFrame, stem: str, field: str, rows: np.ndarray) -> pd.Series:
    if field not in std.columns:
        return pd.Series([""] * len(rows), dtype=object)
    col = std[field].iloc[rows].reset_index(drop=True)
    if stem == "birth_year":
        years = pd.to_datetime(col).dt.year
        return years.map(lambda y: "" if pd.isna(y) else str(int(y))).astype(object)
    if stem in _COARSE:
        return col.astype(object).where(col.notna(), "")
    return mask_series(field, col)


def _weights(pairs: pd.DataFrame, params: pd.DataFrame) -> dict[str, np.ndarray]:
    """``level_<comparison>`` (the level's name, empty when a value is missing) and
    ``w_<comparison>`` (its weight) per pair, from its level code and the params table.

    The level code is read from ``gamma_<c>`` or ``<c>``.
    """
    code_col = "level_code" if "level_code" in params.columns else "level"
    out = {}
    for comp, tab in params[params["comparison"] != "(prior)"].groupby("comparison", sort=False):
        col = f"gamma_{comp}" if f"gamma_{comp}" in pairs.columns else comp
        if col not in pairs.columns:
            raise LinkageError(
                f"pairs has no level column for comparison {comp!r} (looked for "
                f"'gamma_{comp}' and {comp!r}); pass the pairs and params of the same run"
            )
        codes = tab[code_col].astype(np.int64)
        lookup = pd.Series(tab["weight"].to_numpy(dtype=float), index=codes)
        names = pd.Series(tab["level"].astype(str).to_numpy(), index=codes)
        levels = pd.to_numeric(pairs[col]).fillna(-1).astype(np.int64)
        out[f"level_{comp}"] = levels.map(names).fillna("").to_numpy(dtype=object)
        out[f"w_{comp}"] = levels.map(lookup).fillna(0.0).to_numpy()  # null level: no evidence
    return out


def review_queue(
    std: pd.DataFrame,
    pairs: pd.DataFrame,
    params: pd.DataFrame,
    lower: float,
    upper: float,
    *,
    requested: np.ndarray | None = None,
) -> pd.DataFrame:
    """Masked side-by-side queue of the pairs with ``lower <= match_probability < upper``.

    Parameters
    ----------
    std : DataFrame
        Standardized records; ``pairs.i`` / ``pairs.j`` are row positions in it.
    pairs : DataFrame
        ``i, j``, one level column per comparison (``gamma_<c>`` or ``<c>``), ``match_weight``,
        ``match_probability``, optionally ``decision`` (match / non_match / null).
    params : DataFrame
        ``comparison, level[, level_code], m, u, weight``.
    lower, upper : float
        Review band, ``0 <= lower < upper <= 1``.
    requested : numpy.ndarray, optional
        Per ``std`` row: the record has a withdrawal or erasure request. Such pairs come first: if
        the two are one person and stay apart, the duplicate without the request is transferred.

    Returns
    -------
    DataFrame
        ``pair_id, source_a, record_id_a, source_b, record_id_b, request_on`` (``a``, ``b``,
        ``both`` or empty), ``match_probability, match_weight``, ``<stem>_a, <stem>_b`` for each
        of ``REVIEW_FIELDS``, ``w_<comparison>``..., ``decision`` (empty, or the decision already
        applied when ``pairs`` has a ``decision`` column); a record is "a" when its key is the
        smaller; pairs with a request on exactly one side first, then by probability (highest
        first), then ``pair_id``.

    Example
    -------
    >>> std = pd.DataFrame({"source": ["pos", "web"], "record_id": ["1", "7"],
    ...                     "phone": ["+8613812345678", "+8613812345678"]})
    >>> pairs = pd.DataFrame({"i": [1], "j": [0], "gamma_phone": [1], "match_weight": [2.0],
    ...                       "match_probability": [0.8]})
    >>> params = pd.DataFrame({"comparison": ["phone", "phone"], "level": ["else", "exact"],
    ...                        "level_code": [0, 1], "m": [.1, .9], "u": [.9, .1],
    ...                        "weight": [-3.2, 3.2]})
    >>> q = review_queue(std, pairs, params, 0.5, 0.95)
    >>> (q.loc[0, ["source_a", "phone_a", "phone_b", "decision"]].tolist(),
    ...  float(q.loc[0, "w_phone"]))
    (['pos', '138****5678', '138****5678', ''], 3.2)
    """
    if not (0.0 <= lower < upper <= 1.0):
        raise ParamsError(
            "linkage.review",
            f"received lower={lower!r}, upper={upper!r}; need 0 <= lower < upper <= 1",
        )
    missing = [c for c in ("i", "j", "match_weight", "match_probability") if c not in pairs.columns]
    if missing:
        raise LinkageError(
            f"pairs lacks column(s) {', '.join(missing)}; pass the scored pairs of the linkage"
        )
    prob = pairs["match_probability"].to_numpy(dtype=float)
    sel = pairs[(prob >= lower) & (prob < upper)]
    i, j = sel["i"].to_numpy(dtype=np.int64), sel["j"].to_numpy(dtype=np.int64)
    src, rid = (
        std["source"].astype(str).to_numpy(object),
        std["record_id"].astype(str).to_numpy(object),
    )
    swap = (src[i] > src[j]) | ((src[i] == src[j]) & (rid[i] > rid[j]))
    a, b = np.where(swap, j, i), np.where(swap, i, j)
    out = pd.DataFrame(
        {
            "pair_id": [pair_id(*k) for k in zip(src[a], rid[a], src[b], rid[b], strict=True)],
            "source_a": src[a],
            "record_id_a": rid[a],
            "source_b": src[b],
            "record_id_b": rid[b],
            "request_on": _request_on(requested, a, b),
            "match_probability": sel["match_probability"].to_numpy(dtype=float),
            "match_weight": sel["match_weight"].to_numpy(dtype=float),
        }
    )
    for stem, field in REVIEW_FIELDS.items():
        out[f"{stem}_a"], out[f"{stem}_b"] = (
            _display(std, stem, field, a),
            _display(std, stem, field, b),
        )
    for name, w in _weights(sel, params).items():
        out[name] = w
    # carry decisions the linkage already applied (its ``decision`` column), so a re-exported
    # queue keeps them
    prior = sel["decision"] if "decision" in sel.columns else pd.Series("", index=sel.index)
    out["decision"] = prior.fillna("").astype(str).to_numpy()
    out["_one_side"] = out["request_on"].isin(["a", "b"])
    out["_doubt"] = (out["match_probability"] - 0.5).abs().round(12)
    out = out.sort_values(
        ["_one_side", "_doubt", "pair_id"], ascending=[False, True, True], kind="stable"
    )
    return out.drop(columns=["_one_side", "_doubt"]).reset_index(drop=True)


def _request_on(requested: np.ndarray | None, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which side of each pair has a withdrawal or erasure request: ``a``, ``b``, ``both``, ""."""
    if requested is None:
        return np.full(len(a), "", dtype=object)
    req = np.asarray(requested, dtype=bool)
    ra, rb = req[a], req[b]
    return np.select([ra & rb, ra, rb], ["both", "a", "b"], default="").astype(object)


def write_review_queue(queue: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write the queue as UTF-8 CSV atomically (temporary file, then rename); return the path.

    Example
    -------
    >>> import tempfile
    >>> p = write_review_queue(pd.DataFrame({"pair_id": ["ab"], "decision": [""]}),
    ...                        Path(tempfile.mkdtemp()) / "review_queue.csv")
    >>> p.read_text(encoding="utf-8").splitlines()[0]
    'pair_id,decision'
    """
    with atomic_path(Path(path)) as tmp:
        write_csv(queue, tmp)
    return Path(path)


def _shown(value: str) -> str:
    """A received cell value as it may appear in a message (masked if it could be personal)."""
    return repr(mask_cell(value))


def read_decisions(path: str | os.PathLike, known: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and validate the analyst's decisions (the review queue CSV with ``decision`` filled).

    Parameters
    ----------
    path : path
        UTF-8 CSV (a BOM is accepted) with at least ``source_a, record_id_a, decision``
        (and ``source_b, record_id_b`` for ``match`` / ``non_match``).
    known : DataFrame, optional
        Records of this run (``source, record_id``); keys not among them are rejected.

    Returns
    -------
    DataFrame
        ``pair_id, source_a, record_id_a, source_b, record_id_b, decision, row`` for the rows with a
        decision (``row`` = 1-based data row in the file), duplicates dropped.

    Raises
    ------
    InputError
        Missing file or column, a decision outside ``DECISIONS``, a missing record key, an unknown
        record key, or two rows deciding the same pair differently (names file, row and column).

    Example
    -------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = p.write_text("source_a,record_id_a,source_b,record_id_b,decision\\n"
    ...                  "pos,1,web,7, Match\\n")
    >>> read_decisions(p)[["record_id_b", "decision", "row"]].values.tolist()
    [['7', 'match', 1]]
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(
            str(path),
            "review decisions file not found; fill the decision column of the "
            "review queue CSV and name it in golden.decisions",
        )
    df = unescape_formulas(
        pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    )
    for col in ("source_a", "record_id_a", "decision"):
        if col not in df.columns:
            raise InputError(
                str(path),
                f"missing column; a decisions file needs source_a, record_id_a, "
                f"source_b, record_id_b, decision (found: {', '.join(df.columns)})",
                column=col,
            )
    for col in ("pair_id", "source_b", "record_id_b"):
        if col not in df.columns:
            df[col] = ""
    df = df[["pair_id", *_KEY_COLS, "decision"]].apply(lambda c: c.str.strip())
    df["decision"] = df["decision"].str.lower()
    df["row"] = np.arange(1, len(df) + 1)
    for r, value in zip(df["row"], df["decision"], strict=True):
        if value and value not in DECISIONS:
            raise InputError(
                str(path),
                f"received {_shown(value)}; allowed values: "
                f"{', '.join(DECISIONS)} or empty (not decided)",
                row=int(r),
                column="decision",
            )
    df = df[df["decision"] != ""]
    for r, d, *keys in zip(df["row"], df["decision"], *(df[c] for c in _KEY_COLS), strict=True):
        need = _KEY_COLS if d != "split" else _KEY_COLS[:2]
        for col, v in zip(_KEY_COLS, keys, strict=True):
            if col in need and not v:
                hint = (
                    "name the record to take out"
                    if d == "split"
                    else "use 'split' to take record a alone out of its entity"
                )
                raise InputError(
                    str(path),
                    f"decision {d!r} needs {', '.join(need)}; {col} is empty ({hint})",
                    row=int(r),
                    column=col,
                )
    if known is not None:
        index = pd.MultiIndex.from_arrays(
            [known["source"].astype(str), known["record_id"].astype(str)]
        )
        for side in ("a", "b"):
            sub = df[df[f"source_{side}"] != ""]
            hit = index.get_indexer(
                pd.MultiIndex.from_arrays([sub[f"source_{side}"], sub[f"record_id_{side}"]])
            )
            if (hit < 0).any():
                bad = sub[hit < 0].iloc[0]
                raise InputError(
                    str(path),
                    f"record (source {mask_cell(bad[f'source_{side}'])!r}, record_id "
                    f"{mask_value('record_id', bad[f'record_id_{side}'])!r}) is not in this "
                    "run's input; re-export the review queue from this run or fix the key",
                    row=int(bad["row"]),
                    column=f"record_id_{side}",
                )
    pid = pd.Series(
        [
            pair_id(*k) if d != "split" else f"split:{k[0]}\x1f{k[1]}"
            for d, *k in zip(df["decision"], *(df[c] for c in _KEY_COLS), strict=True)
        ],
        index=df.index,
    )
    keep = ~pd.DataFrame({"p": pid, "d": df["decision"]}).duplicated()
    df, pid = df[keep.to_numpy()], pid[keep]
    clash = pid.duplicated(keep=False)
    if clash.any():
        first, second = df[clash.to_numpy()].iloc[:2].itertuples()
        raise InputError(
            str(path),
            f"rows {first.row} and {second.row} decide the same pair differently "
            f"({first.decision!r} vs {second.decision!r}); keep one",
            row=int(second.row),
            column="decision",
        )
    return df.reset_index(drop=True)


#: Columns of the table of decisions a run could not use as given (``review_decisions_stale``).
STALE_COLUMNS: tuple[str, ...] = (
    "row",
    "pair_id",
    "source_a",
    "record_id_a",
    "source_b",
    "record_id_b",
    "decision",
    "status",
    "applied",
)


def check_decisions(decisions: pd.DataFrame, path: str | os.PathLike) -> None:
    """Refuse decisions that contradict each other: a ``non_match`` between two records that
    ``match`` decisions join (directly or through other records).

    Parameters
    ----------
    decisions : DataFrame
        As :func:`read_decisions` returns them (``row`` = data row in the file).
    path : path
        The decisions file, named in the error.

    Raises
    ------
    InputError
        Names the file, the ``non_match`` row and the ``match`` rows that join its records.

    Example
    -------
    >>> dec = pd.DataFrame({"source_a": ["pos", "pos", "pos"], "record_id_a": ["1", "2", "1"],
    ...                     "source_b": ["pos", "pos", "pos"], "record_id_b": ["2", "3", "3"],
    ...                     "decision": ["match", "match", "non_match"], "row": [1, 2, 3]})
    >>> check_decisions(dec, "d.csv")
    Traceback (most recent call last):
    migration_kit.errors.InputError: d.csv, row 3, column 'decision': ...
    """
    uf = _Union()
    rows_of: dict[str, list[int]] = {}
    dec = decisions.fillna("")
    rows = dec["row"].tolist() if "row" in dec.columns else list(range(1, len(dec) + 1))
    keyed = [
        (f"{sa}\x1f{ra}", f"{sb}\x1f{rb}", d, int(r))
        for sa, ra, sb, rb, d, r in zip(
            *(dec[c].astype(str) for c in _KEY_COLS), dec["decision"].astype(str), rows, strict=True
        )
    ]
    for a, b, d, _row in keyed:
        if d == "match":
            uf.union(a, b)
    for a, _b, d, r in keyed:
        if d == "match":
            rows_of.setdefault(uf.find(a), []).append(r)
    for a, b, d, r in keyed:
        if d == "non_match" and a in uf.parent and b in uf.parent and uf.find(a) == uf.find(b):
            joined = sorted(rows_of[uf.find(a)])
            shown = ", ".join(map(str, joined[:5])) + (", ..." if len(joined) > 5 else "")
            raise InputError(
                str(path),
                f"says non_match, but the match decision(s) in row(s) {shown} put the two "
                "records in one entity; correct one of the contradicting decisions",
                row=r,
                column="decision",
            )


def partition_decisions(
    decisions: pd.DataFrame, std: pd.DataFrame, pairs: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split decisions into those this run can apply and a report of those it cannot use as given.

    Parameters
    ----------
    decisions : DataFrame
        As :func:`read_decisions` returns them.
    std : DataFrame
        This run's records (``source, record_id``); ``pairs.i`` / ``pairs.j`` are positions in it.
    pairs : DataFrame, optional
        This run's scored candidate pairs (``i, j``).

    Returns
    -------
    (DataFrame, DataFrame)
        The decisions to apply (every record they name exists), and one row per decision that
        names a record this run does not have (``status`` ``record_missing``, not applied) or a
        pair of existing records this run did not compare (``pair_not_scored``: applied on the two
        records all the same), with :data:`STALE_COLUMNS`.

    Example
    -------
    >>> std = pd.DataFrame({"source": ["pos", "pos"], "record_id": ["1", "2"]})
    >>> dec = pd.DataFrame({"pair_id": ["", ""], "source_a": ["pos", "pos"],
    ...                     "record_id_a": ["1", "1"], "source_b": ["pos", "pos"],
    ...                     "record_id_b": ["2", "9"], "decision": ["match", "match"],
    ...                     "row": [1, 2]})
    >>> use, stale = partition_decisions(dec, std, pd.DataFrame({"i": [0], "j": [1]}))
    >>> use["row"].tolist(), stale[["row", "status", "applied"]].values.tolist()
    ([1], [[2, 'record_missing', False]])
    """
    dec = decisions.fillna("").reset_index(drop=True)
    index = pd.MultiIndex.from_arrays([std["source"].astype(str), std["record_id"].astype(str)])
    pos = {}
    missing = np.zeros(len(dec), dtype=bool)
    for side in ("a", "b"):
        has = (dec[f"source_{side}"].astype(str) != "").to_numpy()
        p = index.get_indexer(
            pd.MultiIndex.from_arrays(
                [dec[f"source_{side}"].astype(str), dec[f"record_id_{side}"].astype(str)]
            )
        )
        missing |= has & (p < 0)
        pos[side] = p
    status = np.where(missing, "record_missing", "").astype(object)
    if pairs is not None:
        n = max(len(std), 1)
        pi, pj = pairs["i"].to_numpy(np.int64), pairs["j"].to_numpy(np.int64)
        scored = pd.Index(np.minimum(pi, pj) * n + np.maximum(pi, pj))
        both = ~missing & (dec["decision"].astype(str) != "split").to_numpy()
        key = pd.Index(np.minimum(pos["a"], pos["b"]) * n + np.maximum(pos["a"], pos["b"]))
        unscored = both & (scored.get_indexer(key) < 0)
        status[unscored] = "pair_not_scored"
    stale = dec[status != ""].copy()
    stale["status"] = status[status != ""]
    stale["applied"] = stale["status"] != "record_missing"
    if "row" not in stale.columns:
        stale["row"] = np.flatnonzero(status != "") + 1
    if "pair_id" not in stale.columns:
        stale["pair_id"] = ""
    stale = stale[list(STALE_COLUMNS)].reset_index(drop=True)
    return decisions.reset_index(drop=True)[~missing].reset_index(drop=True), stale


def _leave(ent: np.ndarray, leavers: set[int], index: pd.MultiIndex, used: set[str]) -> None:
    """Move each leaver (row position) alone to ``<entity>-S<k>``, in place.

    A record already alone stays.
    """
    sizes = pd.Series(ent).value_counts().to_dict()
    for p in sorted(leavers, key=lambda p: (ent[p], index[p])):
        if sizes[ent[p]] <= 1:
            continue  # already alone: nothing to split (keeps re-application idempotent)
        sizes[ent[p]] -= 1
        k = 1
        while f"{ent[p]}-S{k}" in used:
            k += 1
        ent[p] = f"{ent[p]}-S{k}"
        used.add(ent[p])


class _Union:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)  # the smaller id names the merged entity


def apply_decisions(entities: pd.DataFrame, decisions: pd.DataFrame | None) -> pd.DataFrame:
    """Return ``entities`` (same rows, same order) with review decisions applied (see module doc).

    Raises
    ------
    LinkageError
        A decision names a record not in ``entities``, or a ``match`` pair ends up apart because a
        ``non_match`` decision took one of its records out.

    Example
    -------
    >>> ent = pd.DataFrame({"source": ["pos", "web"], "record_id": ["1", "7"],
    ...                     "entity_id": ["E1", "E1"]})
    >>> dec = pd.DataFrame({"source_a": ["pos"], "record_id_a": ["1"], "source_b": ["web"],
    ...                     "record_id_b": ["7"], "decision": ["non_match"]})
    >>> apply_decisions(ent, dec)["entity_id"].tolist()
    ['E1', 'E1-S1']
    """
    out = entities.copy()
    if decisions is None or not len(decisions):
        return out
    index = pd.MultiIndex.from_arrays([out["source"].astype(str), out["record_id"].astype(str)])
    dec = decisions.fillna("")
    rows = dec["row"].tolist() if "row" in dec.columns else list(range(1, len(dec) + 1))
    pos = {}
    for side in ("a", "b"):
        has = (dec[f"source_{side}"].astype(str) != "").to_numpy()
        p = index.get_indexer(
            pd.MultiIndex.from_arrays(
                [dec[f"source_{side}"].astype(str), dec[f"record_id_{side}"].astype(str)]
            )
        )
        if (has & (p < 0)).any():
            r = rows[int(np.flatnonzero(has & (p < 0))[0])]
            raise LinkageError(
                f"review decision row {r} names record {side} not in the entities; "
                "re-export the review queue from this run or fix the key"
            )
        pos[side] = p
    ent = out["entity_id"].astype(str).to_numpy(dtype=object)
    kinds = dec["decision"].astype(str).to_numpy()
    used = set(ent)
    _leave(
        ent, {int(pa) for pa, d in zip(pos["a"], kinds, strict=True) if d == "split"}, index, used
    )
    uf = _Union()
    for pa, pb, d in zip(pos["a"], pos["b"], kinds, strict=True):
        if d == "match":
            uf.union(ent[pa], ent[pb])
    if uf.parent:
        renamed = pd.Series(ent).map(
            {e: uf.find(e) for e in uf.parent}
        )  # per merged id, not per row
        ent = renamed.where(renamed.notna(), pd.Series(ent)).to_numpy(dtype=object)
    _leave(
        ent,
        {
            int(max(pa, pb, key=lambda p: index[int(p)]))
            for pa, pb, d in zip(pos["a"], pos["b"], kinds, strict=True)
            if d == "non_match" and ent[pa] == ent[pb]
        },
        index,
        used,
    )
    for pa, pb, d, r in zip(pos["a"], pos["b"], kinds, rows, strict=True):
        if d == "match" and ent[pa] != ent[pb]:
            raise LinkageError(
                f"review decision row {r} says match, but non_match decisions separate the two "
                "records again; correct one of the contradicting decisions"
            )
    out["entity_id"] = ent
    return out
