"""Benchmark of the scoping stage: decide(), roster and destruction log on synthetic tables.

Prints the median wall time of a few repeats. Usage:
``python benchmarks/bench_scoping.py [--rows 200000] [--repeats 3]``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import numpy as np
import pandas as pd

from migration_kit.params import Deal
from migration_kit.scoping import PolicySpec, build_roster, decide, destruction_log


def make(n: int, seed: int = 7) -> tuple[pd.DataFrame, ...]:
    rng = np.random.default_rng(seed)
    n_ent = int(n / 1.3)
    ent = np.sort(rng.integers(0, n_ent, n))
    ent[:n_ent] = np.arange(n_ent)  # every entity has at least one record
    ent = np.sort(ent)
    phone = np.char.add("+86138", np.char.zfill(ent.astype(str), 8)).astype(object)
    phone[rng.random(n) < 0.1] = None
    email = np.char.add(np.char.add("u", ent.astype(str)), "@qq.com").astype(object)
    email[rng.random(n) < 0.4] = None
    base = np.datetime64("2026-12-31")
    std = pd.DataFrame({
        "source": rng.choice(["pos", "web", "school", "overseas"], n),
        "record_id": np.arange(n).astype(str),
        "phone": phone, "email": email, "id_number": None,
        "birth_date": base - rng.integers(3000, 30000, n).astype("timedelta64[D]"),
        "country": rng.choice(["CN", "CN", "CN", "DE", "US"], n),
        "address": "某路1号",
        "created_at": base - rng.integers(400, 3000, n).astype("timedelta64[D]"),
        "last_activity_at": base - rng.integers(0, 2000, n).astype("timedelta64[D]"),
        "marketing_consent": pd.array(rng.random(n) < 0.5, dtype="boolean"),
    })
    entities = pd.DataFrame({"source": std["source"], "record_id": std["record_id"], "entity_id": np.char.add("E", np.char.zfill(ent.astype(str), 8))})
    golden = pd.concat([entities[["entity_id"]], std.drop(columns=["source", "record_id"])], axis=1).drop_duplicates("entity_id")
    pick = rng.choice(n, n // 100, replace=False)
    supp = pd.DataFrame({"request_id": [f"R{i}" for i in range(len(pick))],
                         "request_type": rng.choice(["erasure", "withdrawn_consent"], len(pick)),
                         "phone": std["phone"].to_numpy()[pick], "email": None, "id_number": None})
    return std, entities, golden.reset_index(drop=True), supp


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    std, entities, golden, supp = make(args.rows)
    policy = PolicySpec.from_dict({"transfer_date": "2026-12-31"})
    deals = {k: Deal.from_dict({"type": k, "seller": {"name": "S", "contact": "s"},
                                "recipient": {"name": "R", "contact": "r", "country": "SG"}}) for k in ("merger", "asset_sale")}
    for kind, deal in deals.items():
        times: dict[str, list[float]] = {"decide": [], "roster": [], "destruction_log": []}
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            res = decide(std, entities, golden, supp, policy, deal)
            t1 = time.perf_counter()
            build_roster(golden, res.entity_dispositions, policy, deal)
            t2 = time.perf_counter()
            destruction_log(res.record_dispositions, b"k" * 32, date=dt.date(2026, 12, 31))
            t3 = time.perf_counter()
            times["decide"].append(t1 - t0)
            times["roster"].append(t2 - t1)
            times["destruction_log"].append(t3 - t2)
        counts = res.reconcile()
        print(f"{kind}: {args.rows} records, {len(golden)} customers, {counts}")
        for name, ts in times.items():
            print(f"  {name:16s} median {statistics.median(ts):.3f} s over {args.repeats} runs")


if __name__ == "__main__":
    main()
