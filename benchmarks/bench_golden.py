"""Benchmark build_golden on a synthetic standardized table (default 1M records, ~750k entities).

Prints the median wall time of a few runs and the peak resident memory of the process.

Example
-------
    .venv/bin/python benchmarks/bench_golden.py --rows 1000000 --repeat 3
"""
from __future__ import annotations

import argparse
import resource
import statistics
import time

import numpy as np
import pandas as pd

from migration_kit.clean.numbers import money_from_units
from migration_kit.linkage.golden import build_golden
from migration_kit.linkage.survivorship import SurvivorshipSpec
from migration_kit.schema import STD_COLUMNS

__all__ = ["make_tables", "main"]


def _maybe_null(rng: np.random.Generator, values: np.ndarray, rate: float) -> np.ndarray:
    out = values.astype(object)
    out[rng.random(len(values)) < rate] = None
    return out


def make_tables(n: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (std, entities) with ``n`` records in about ``0.75 * n`` entities (seeded)."""
    rng = np.random.default_rng(seed)
    sources = np.array(["crm", "pos", "school", "webshop"], dtype=object)
    src = sources[rng.integers(0, len(sources), n)]
    rid = np.char.add("R", np.arange(n).astype(str)).astype(object)
    n_ent = int(0.75 * n)  # every entity gets one record, the other 25% join a random entity
    ent = rng.permutation(np.concatenate([np.arange(n_ent), rng.integers(0, n_ent, n - n_ent)]))
    ent_id = np.char.add("E", np.char.zfill(ent.astype(str), 8)).astype(object)
    nums = rng.integers(10**9, 10**10, n).astype(str)
    days = rng.integers(0, 3650, n)
    base = np.datetime64("2015-01-01")
    std = pd.DataFrame({"source": src, "record_id": rid})
    for f in STD_COLUMNS:
        std[f] = None
    std["full_name"] = _maybe_null(rng, np.char.add("王", nums.astype("<U3")), 0.05)
    std["family_name"] = np.where(pd.notna(std["full_name"]), "王", None)
    std["given_name"] = std["full_name"].str[1:]
    std["name_key"] = std["full_name"]
    std["pinyin_key"] = _maybe_null(rng, np.char.add("wang ", nums.astype("<U3")), 0.1)
    std["gender"] = _maybe_null(rng, np.array(["M", "F"], dtype=object)[rng.integers(0, 2, n)], 0.3)
    std["birth_date"] = pd.to_datetime(base - rng.integers(7000, 25000, n).astype("timedelta64[D]"))
    std["phone"] = _maybe_null(rng, np.char.add("+861", nums), 0.2)
    std["phone_type"] = np.where(pd.notna(std["phone"]), "mobile", None)
    std["email"] = _maybe_null(rng, np.char.add(nums, "@example.com"), 0.5)
    std["id_number"] = _maybe_null(rng, np.char.add("11010519", np.char.zfill(nums, 10)), 0.7)
    std["address"] = _maybe_null(rng, np.char.add("朝阳路", nums.astype("<U4")), 0.3)
    std["province"], std["city"], std["district"] = "北京市", "北京市", "朝阳区"
    std["region_code"], std["postcode"], std["country"] = "110105", "100020", "CN"
    std["created_at"] = pd.to_datetime(base + days.astype("timedelta64[D]"))
    std["last_activity_at"] = std["created_at"] + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    std["total_spent"] = money_from_units(np.rint(rng.gamma(2.0, 300.0, n) * 100).astype(np.int64))  # exact
    std["order_count"] = pd.array(rng.integers(0, 40, n), dtype="Int64")
    std["marketing_consent"] = pd.array(rng.random(n) < 0.6, dtype="boolean")
    std.loc[rng.random(n) < 0.2, "marketing_consent"] = pd.NA
    entities = pd.DataFrame({"source": src, "record_id": rid, "entity_id": ent_id})
    return std, entities


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    std, entities = make_tables(args.rows)
    spec = SurvivorshipSpec.default()
    times, cpu = [], []
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        res = build_golden(std, entities, spec)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"build_golden: {args.rows} records, {len(res.golden)} entities, {len(res.lineage)} lineage rows")
    print(f"median {statistics.median(times):.2f} s over {args.repeat} runs "
          f"(min {min(times):.2f} s; median CPU {statistics.median(cpu):.2f} s); peak RSS {peak_mb:.0f} MiB")


if __name__ == "__main__":
    main()
