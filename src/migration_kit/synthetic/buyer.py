"""A synthetic buyer for the overlap rehearsal (``migration-kit synth ... --buyer-overlap RATE``).

The buyer already has a known share of the seller's customers, recorded its own way: English
headers, phones as ``+86 138 1234 5678`` / ``0086-138...`` / bare digits, e-mails in capitals or
title case, dates as ``DD/MM/YYYY`` or ``YYYY.MM.DD``, spaced names, and a share of its customers
twice (CRM and loyalty app), so the buyer's own dedupe matters. Its other customers are fresh
people whose identifiers collide with none of the seller's.

The seller's customers are rebuilt from the same ``entities`` and ``seed`` the seller set was made
with (the generator is deterministic), so the buyer needs no file of the seller. Shared customers
are drawn from seller customers whose identifiers the seller's golden record holds beyond doubt
(one record, no trap, no injected defect); each shares at least one identifier with the buyer.

``overlap_truth.json`` gives the exact per-identifier overlap (distinct normalized values held by
both), the number of shared customers and of customers sharing at least one identifier.

Example
-------
>>> import tempfile, pathlib
>>> res = generate_buyer(200, 7, 0.3, pathlib.Path(tempfile.mkdtemp()))
>>> res.counts["shared_customers"], res.counts["buyer_customers"]
(60, 200)
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .._spec import check_type, require
from .people import make_entities
from .pools import build_pools
from .rates import TRANSFER_DATE, SynthRates, SynthResult
from .records import make_records
from .writer import write_csv

__all__ = ["BUYER_KINDS", "BUYER_TRUTH_COLUMNS", "generate_buyer"]

#: Identifier kinds the truth counts (those of :mod:`migration_kit.overlap.identifiers`).
BUYER_KINDS: tuple[str, ...] = ("phone", "email", "id_number", "name_birth")
#: Columns of the buyer's ``truth.csv``: every record, its customer, and the seller's entity.
BUYER_TRUTH_COLUMNS: tuple[str, ...] = ("source", "record_id", "customer_id", "seller_entity_id")

#: Share of buyer customers holding each identifier (independently drawn).
_HOLD = {"phone": 0.97, "email": 0.6, "id_number": 0.45, "birth": 0.7}
_SECOND_RECORD = 0.12  # customers in both of the buyer's systems
_CRM_COLUMNS = {
    "full_name": "Name",
    "phone": "Mobile",
    "email": "Email",
    "id_number": "ID Card",
    "birth_date": "DOB",
    "gender": "Sex",
    "city": "City",
    "created_at": "Customer Since",
}
_APP_COLUMNS = {
    "full_name": "member_name",
    "phone": "phone_no",
    "email": "mail",
    "id_number": "id_no",
    "birth_date": "birthday",
    "created_at": "joined",
}


def _seller(entities: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The seller's entities and records, exactly as ``generate(entities, seed, ...)`` drew them."""
    rng = np.random.default_rng(seed)
    rates = SynthRates()
    e = make_entities(entities, rng, build_pools(0), rates)
    return e, make_records(e, rng, rates)


def _names(e: pd.DataFrame) -> np.ndarray:
    return (e["family"].astype(str) + e["given"].astype(str)).to_numpy(dtype=object)


def _iso(d: pd.Series | np.ndarray) -> np.ndarray:
    return pd.Series(pd.to_datetime(pd.Series(d))).dt.strftime("%Y-%m-%d").fillna("").to_numpy()


def _seller_holds(e: pd.DataFrame, r: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Eligible seller entities (their golden identifiers are beyond doubt) and what each holds."""
    n = len(e)
    nrec = np.bincount(r["eid"].to_numpy(), minlength=n)
    r1 = r.loc[r["rank"] == 0].set_index("eid").reindex(np.arange(n))
    parents = e["parent"].to_numpy()
    holds = pd.DataFrame(
        {
            "phone": (r1["phone"] != "").to_numpy(),
            "email": (r1["email"] != "").to_numpy(),
            "id_number": (r1["id_number"] != "").to_numpy(),
            # the seller's cleaning takes the birth date from the resident ID when it has none
            "name_birth": (r1["birth"].notna() | (r1["id_number"] != "")).to_numpy(),
        }
    )
    ok = (
        (nrec == 1)
        & (e["kind"].to_numpy(dtype=object) == "cn")
        & (e["trap"].to_numpy(dtype=object) == "")
        & ~np.isin(np.arange(n), parents[parents >= 0])
        & (r1["defects"].to_numpy(dtype=object) == "")
        & holds.to_numpy().any(axis=1)
    )
    return np.flatnonzero(ok), holds


def _seller_values(e: pd.DataFrame, r: pd.DataFrame) -> dict[str, set[str]]:
    """Every identifier value the seller holds anywhere (records and entities), for collisions."""
    phones = set(r["phone"].astype(str)) | set(e["phone"].astype(str))
    return {
        "phone": {p[-11:] for p in phones if p},
        "email": {m.lower() for m in set(r["email"]) | set(e["email"]) if m},
        "id_number": {i.upper() for i in set(r["id_number"]) | set(e["id_number"]) if i},
        "name_birth": set(pd.Series(_names(e)) + "|" + pd.Series(_iso(e["birth"]))),
    }


def _fresh(
    m: int, rng: np.random.Generator, seller: dict[str, set[str]], rates: SynthRates
) -> pd.DataFrame:
    """``m`` buyer-only people: none of their identifiers is one the seller holds."""
    pools = build_pools(0)
    picked: list[pd.DataFrame] = []
    have = 0
    while have < m:
        f = make_entities(max(2 * (m - have), 40), rng, pools, rates)
        keys = pd.Series(_names(f)) + "|" + pd.Series(_iso(f["birth"]))
        ok = (
            (f["kind"].to_numpy(dtype=object) == "cn")
            & (f["trap"].to_numpy(dtype=object) == "")
            & ~f["phone"].isin(seller["phone"]).to_numpy()
            & ~f["email"].str.lower().isin(seller["email"]).to_numpy()
            & ~f["id_number"].isin(seller["id_number"]).to_numpy()
            & ~keys.isin(seller["name_birth"]).to_numpy()
        )
        if picked:  # distinct from earlier draws too (a fresh draw does not know them)
            prev = pd.concat(picked)
            ok &= ~f["phone"].isin(prev["phone"]).to_numpy()
            ok &= ~f["email"].isin(prev["email"]).to_numpy()
            ok &= ~f["id_number"].isin(prev["id_number"]).to_numpy()
        take = f.loc[ok].iloc[: m - have]
        picked.append(take)
        have += len(take)
    return pd.concat(picked, ignore_index=True)


def _phone_formats(phone: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    p = pd.Series(phone, dtype=object)
    style = rng.integers(0, 4, size=len(p))
    spaced = "+86 " + p.str[:3] + " " + p.str[3:7] + " " + p.str[7:]
    dashed = "0086-" + p.str[:3] + "-" + p.str[3:7] + "-" + p.str[7:]
    plus = "+86" + p
    out = np.select([style == 0, style == 1, style == 2], [spaced, dashed, plus], p)
    return np.where(p.to_numpy(dtype=object) == "", "", out).astype(object)


def _email_case(email: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    s = pd.Series(email, dtype=object)
    a = rng.random(len(s))
    return np.where(a < 0.3, s.str.upper(), np.where(a < 0.5, s.str.capitalize(), s)).astype(object)


def _dates(d: np.ndarray, fmt: str) -> np.ndarray:
    s = pd.Series(pd.to_datetime(pd.Series(d)))
    return s.dt.strftime(fmt).fillna("").to_numpy(dtype=object)


def _buyer_params(path: Path, crm: Path, app: Path) -> Path:
    base = path.parent.resolve()

    def rel(p: Path) -> str:
        return Path(os.path.relpath(Path(p).resolve(), base)).as_posix()

    params: dict[str, Any] = {
        "client": "rehearsal-buyer",
        "deal": {
            "type": "merger",
            "seller": {"name": "远航文体用品有限公司", "contact": "privacy@seller.example"},
            "recipient": {
                "name": "启明体育集团有限公司",
                "contact": "dpo@buyer.example",
                "country": "CN",
            },
        },
        "sources": [
            {
                "name": "crm",
                "path": rel(crm),
                "format": "csv",
                "encoding": "utf-8",
                "date_order": "DMY",
                "default_country": "CN",
                "id_column": "Customer No",
                "columns": dict(_CRM_COLUMNS),
            },
            {
                "name": "app",
                "path": rel(app),
                "format": "csv",
                "encoding": "utf-8-sig",
                "date_order": "YMD",
                "default_country": "CN",
                "id_column": "member_id",
                "columns": dict(_APP_COLUMNS),
            },
        ],
        "policy": {"transfer_date": _dt.date.fromisoformat(TRANSFER_DATE)},
        "keys": {"rehearsal": True},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(params, allow_unicode=True, sort_keys=False, width=120)
    path.write_text(
        "# The buyer's rehearsal params, written by `migration-kit synth --buyer-overlap` "
        "(synthetic data, no real person).\n" + text,
        encoding="utf-8",
    )
    return path


def generate_buyer(
    entities: int,
    seed: int,
    rate: float,
    out_dir: Path,
    *,
    params_path: Path | None = None,
) -> SynthResult:
    """Write the buyer's customer base for the seller set ``generate(entities, seed, ...)``.

    Parameters
    ----------
    entities : int
        The seller set's entities (the buyer has as many customers).
    seed : int
        The seller set's seed; the buyer's draws use a stream derived from it.
    rate : float
        Share of the seller's customers the buyer already has (0..1; at most the share of seller
        customers whose identifiers are beyond doubt, about 0.6).
    out_dir : Path
        Folder for ``crm_contacts.csv``, ``loyalty_app.csv``, ``truth.csv``,
        ``overlap_truth.json``.
    params_path : Path, optional
        The buyer's params file (default ``out_dir/params.yaml``).

    Returns
    -------
    SynthResult
        Paths, counts (``buyer_customers``, ``shared_customers``, ``overlap.<kind>``, records).

    Example
    -------
    >>> import tempfile, pathlib
    >>> generate_buyer(100, 1, 0.2, pathlib.Path(tempfile.mkdtemp())).counts["shared_customers"]
    20
    """
    check_type(entities, int, "entities")
    check_type(seed, int, "seed")
    check_type(rate, (int, float), "buyer_overlap")
    require(0.0 <= float(rate) <= 1.0, "buyer_overlap", f"received {rate}; use a share in [0, 1]")
    e, r = _seller(entities, seed)
    eligible, seller_holds = _seller_holds(e, r)
    n_shared = round(float(rate) * entities)
    require(
        n_shared <= len(eligible),
        "buyer_overlap",
        f"received {rate}: {n_shared} shared customers, but only {len(eligible)} of the seller's "
        f"{entities} hold identifiers beyond doubt; use at most {len(eligible) / entities:.2f}",
    )
    rng = np.random.default_rng([seed, 20])  # issue 20: a stream of its own
    shared = np.sort(rng.choice(eligible, size=n_shared, replace=False))
    fresh = _fresh(entities - n_shared, rng, _seller_values(e, r), SynthRates())
    people = pd.concat([e.iloc[shared], fresh], ignore_index=True)
    n = len(people)
    seller_eid = np.concatenate([shared, np.full(n - n_shared, -1)])

    hold = {k: rng.random(n) < p for k, p in _HOLD.items()}
    # every shared customer shares at least one identifier the seller holds too
    sh = seller_holds.iloc[shared].reset_index(drop=True)
    common = np.zeros(n_shared, dtype=bool)
    buyer_nb = hold["birth"] | hold["id_number"]
    for k in BUYER_KINDS:
        mine = buyer_nb[:n_shared] if k == "name_birth" else hold[k][:n_shared]
        common |= mine & sh[k].to_numpy()
    for k in BUYER_KINDS:  # the first kind the seller holds is the buyer's too
        fix = ~common & sh[k].to_numpy()
        hold["birth" if k == "name_birth" else k][:n_shared] |= fix
        common |= fix
    buyer_nb = hold["birth"] | hold["id_number"]

    phone = np.where(hold["phone"], people["phone"].to_numpy(dtype=object), "")
    email = np.where(hold["email"], people["email"].to_numpy(dtype=object), "")
    idn = np.where(hold["id_number"], people["id_number"].to_numpy(dtype=object), "")
    birth = np.where(hold["birth"], people["birth"].to_numpy(), np.datetime64("NaT"))
    name = _names(people)
    cid = ("B" + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(7)).to_numpy(dtype=object)
    since = people["first_date"].to_numpy()

    # the truth: distinct normalized values held by both sides
    seller_sets = {
        "phone": set(phone[:n_shared][sh["phone"].to_numpy() & (phone[:n_shared] != "")]),
        "email": {
            m.lower() for m in email[:n_shared][sh["email"].to_numpy() & (email[:n_shared] != "")]
        },
        "id_number": set(idn[:n_shared][sh["id_number"].to_numpy() & (idn[:n_shared] != "")]),
    }
    nb_keys = pd.Series(name) + "|" + pd.Series(_iso(people["birth"]))
    nb_both = buyer_nb[:n_shared] & sh["name_birth"].to_numpy()
    truth_counts = {
        "phone": len(seller_sets["phone"]),
        "email": len(seller_sets["email"]),
        "id_number": len(seller_sets["id_number"]),
        "name_birth": int(nb_keys[:n_shared][nb_both].nunique()),
    }

    in_app = rng.random(n) < 0.4
    second = rng.random(n) < _SECOND_RECORD
    rows = []
    for sys_name, mask in (("crm", ~in_app | second), ("app", in_app | second)):
        idx = np.flatnonzero(mask)
        dup = second[idx] & (in_app[idx] == (sys_name == "crm"))  # the copy in the other system
        nm = pd.Series(name[idx], dtype=object)
        spaced = rng.random(len(idx)) < 0.1
        nm = nm.where(~spaced, nm.str[:1] + " " + nm.str[1:])
        table = {
            "full_name": nm.to_numpy(dtype=object),
            "phone": _phone_formats(phone[idx], rng),
            "email": _email_case(np.where(dup & (rng.random(len(idx)) < 0.3), "", email[idx]), rng),
            "id_number": np.where(dup, "", idn[idx]),
            "birth_date": _dates(birth[idx], "%d/%m/%Y" if sys_name == "crm" else "%Y.%m.%d"),
            "created_at": _dates(since[idx], "%d/%m/%Y" if sys_name == "crm" else "%Y.%m.%d"),
        }
        if sys_name == "crm":
            table["gender"] = np.where(people["gender"].to_numpy()[idx] == "M", "Male", "Female")
            table["city"] = people["city"].to_numpy(dtype=object)[idx]
        cols = _CRM_COLUMNS if sys_name == "crm" else _APP_COLUMNS
        prefix = "C" if sys_name == "crm" else "A"
        rid = (prefix + pd.Series(np.arange(1, len(idx) + 1)).astype(str).str.zfill(7)).to_numpy(
            dtype=object
        )
        order = rng.permutation(len(idx))
        frame = pd.DataFrame({cols[k]: v for k, v in table.items()})
        frame.insert(0, "Customer No" if sys_name == "crm" else "member_id", rid)
        rows.append((sys_name, frame.iloc[order].reset_index(drop=True), idx[order], rid[order]))

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    counts: dict[str, int] = {"buyer_customers": n, "shared_customers": n_shared}
    truth_parts = []
    for sys_name, frame, idx, rid in rows:
        fname = "crm_contacts.csv" if sys_name == "crm" else "loyalty_app.csv"
        enc = "utf-8" if sys_name == "crm" else "utf-8-sig"
        paths[sys_name] = write_csv(frame, out_dir / fname, enc)
        counts[sys_name] = len(frame)
        sel = seller_eid[idx]
        truth_parts.append(
            pd.DataFrame(
                {
                    "source": sys_name,
                    "record_id": rid,
                    "customer_id": cid[idx],
                    "seller_entity_id": np.where(
                        sel >= 0, e["entity_id"].to_numpy(dtype=object)[np.maximum(sel, 0)], ""
                    ),
                }
            )
        )
    truth = pd.concat(truth_parts, ignore_index=True)[list(BUYER_TRUTH_COLUMNS)]
    paths["truth"] = write_csv(truth, out_dir / "truth.csv", "utf-8")
    summary = {
        "seller": {"entities": entities, "seed": seed},
        "buyer_customers": n,
        "seller_customers": entities,
        "shared_customers": n_shared,
        "shared_at_least_one_identifier": int(common.sum()),
        "per_identifier": truth_counts,
        "note": "per_identifier: distinct normalized values held by both parties' golden customers",
    }
    paths["overlap_truth"] = out_dir / "overlap_truth.json"
    paths["overlap_truth"].write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    for k, v in truth_counts.items():
        counts[f"overlap.{k}"] = v
    params_path = Path(params_path) if params_path is not None else out_dir / "params.yaml"
    paths["params"] = _buyer_params(params_path, paths["crm"], paths["app"])
    return SynthResult(paths=paths, counts=counts, realised={"buyer_overlap": n_shared / entities})
