"""Benchmark: score 1M standardized records (before) and per-record scores; print medians and peak RSS.

Usage: ``.venv/bin/python benchmarks/bench_quality.py [n_rows] [repeats]`` (defaults 1_000_000, 3).
The tables are built with numpy (seeded), not faker, so building them is fast.
"""
from __future__ import annotations

import resource
import statistics
import sys
import time
from datetime import date

import numpy as np
import pandas as pd

from migration_kit.clean.numbers import money_from_units
from migration_kit.quality import QualitySpec, per_record, score


def build(n: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    sources = np.array(["pos", "web", "school", "overseas"], dtype=object)[rng.integers(0, 4, n)]
    rid = np.char.add("R", np.arange(n).astype(str)).astype(object)
    phone_num = rng.integers(0, n // 2, n)  # ~ duplicates
    phone = np.char.add("+86138", np.char.zfill(phone_num.astype(str), 8)).astype(object)
    bad_phone = rng.random(n) < 0.05
    no_phone = rng.random(n) < 0.05
    raw_phone = np.where(no_phone, None, phone)
    phone = np.where(bad_phone | no_phone, None, phone)
    email = np.char.add(np.char.add("u", rng.integers(0, n, n).astype(str)), "@example.com").astype(object)
    email = np.where(rng.random(n) < 0.3, None, email)
    birth = pd.Timestamp("1950-01-01") + pd.to_timedelta(rng.integers(0, 20000, n), unit="D")
    ymd = birth.strftime("%Y%m%d").to_numpy().astype(str)
    idn = np.char.add(np.char.add("110105", ymd), np.char.zfill(rng.integers(0, 9999, n).astype(str), 4)).astype(object)
    idn = np.where(rng.random(n) < 0.5, None, idn)
    created = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, n), unit="D")
    last = created + pd.to_timedelta(rng.integers(-30, 2000, n), unit="D")
    provs = np.array(["北京市", "浙江省", "广东省", "江苏省"], dtype=object)
    cities = np.array(["北京市", "杭州市", "广州市", "南京市", "深圳市"], dtype=object)
    std = pd.DataFrame({
        "source": sources, "record_id": rid, "row_number": np.arange(1, n + 1),
        "raw__full_name": np.full(n, "x", dtype=object), "full_name": np.full(n, "王伟", dtype=object),
        "raw__phone": raw_phone, "phone": phone, "raw__email": email, "email": email,
        "raw__id_number": idn, "id_number": idn, "birth_date": birth,
        "gender": np.array(["M", "F"], dtype=object)[rng.integers(0, 2, n)],
        "province": provs[rng.integers(0, 4, n)], "city": cities[rng.integers(0, 5, n)],
        "created_at": created, "last_activity_at": last,
        "total_spent": money_from_units(np.rint(rng.normal(500, 400, n) * 100).astype(np.int64)), "order_count": pd.array(rng.integers(0, 50, n), dtype="Int64"),
    })
    fidx = np.flatnonzero(bad_phone & ~no_phone)
    failures = pd.DataFrame({"stage": "clean", "source": sources[fidx], "record_id": rid[fidx], "field": "phone",
                             "check": "phone", "value_masked": "+86138****", "reason_code": "PHONE_INVALID"})
    entities = pd.DataFrame({"source": sources, "record_id": rid,
                             "entity_id": np.char.add("E", phone_num.astype(str)).astype(object)})
    return std, failures, entities


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    t0 = time.perf_counter()
    std, failures, entities = build(n)
    print(f"built {n:,} rows + {len(failures):,} failures in {time.perf_counter() - t0:.1f} s")
    spec = QualitySpec.default()
    for label, fn in (
        ("score(before)", lambda: score(std, spec, stage="before", reference_date=date(2024, 1, 1),
                                        failures=failures, entities=entities)),
        ("per_record", lambda: per_record(std, failures, spec, reference_date=date(2024, 1, 1), entities=entities)),
    ):
        times, cpu = [], []
        for _ in range(repeats):
            t, c = time.perf_counter(), time.process_time()
            out = fn()
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        print(f"{label}: median {statistics.median(times):.2f} s wall, {statistics.median(cpu):.2f} s CPU "
              f"over {repeats} runs (n={n:,}; wall time depends on how busy the shared machine is)")
    print(f"overall before: {out['score'].mean():.2f} mean per-record score")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
