"""Benchmark: encrypted export + signed manifest of N golden records.

Prints median seconds, plaintext MB/s and peak RSS (whole process, and the increase over the
RSS held before the export started, i.e. after the DataFrame was built).

Example
-------
``.venv/bin/python benchmarks/bench_handover.py --rows 1000000 --repeat 3``
"""
from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from migration_kit.clean.numbers import money_from_units
from migration_kit.handover import KeysSpec, export_tables, generate_keys, load_key_material, write_manifest

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗") + ["欧阳", "司马", "诸葛"]
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂")
CITIES = [("北京市", "北京市", "朝阳区"), ("上海市", "上海市", "浦东新区"), ("广东省", "广州市", "天河区"),
          ("浙江省", "杭州市", "西湖区"), ("四川省", "成都市", "武侯区")]


def make_golden(n: int, seed: int = 7) -> pd.DataFrame:
    """N realistic-looking golden records, 15 string/number columns, built with numpy (no per-row Python)."""
    rng = np.random.default_rng(seed)
    pool = 20_000
    names = np.array([SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] + GIVEN[(i * 13) % len(GIVEN)]
                      for i in range(pool)], dtype=object)
    pick = lambda arr: arr[rng.integers(0, len(arr), n)]  # noqa: E731
    city = rng.integers(0, len(CITIES), n)
    prov, cty, dist = (np.array([c[k] for c in CITIES], dtype=object)[city] for k in range(3))
    phones = np.char.add("+86138", rng.integers(10_000_000, 99_999_999, n).astype(str)).astype(object)
    emails = np.char.add(np.char.add("user", np.arange(n).astype(str)), "@example.cn").astype(object)
    streets = np.array([f"{s}路{k}号{u}单元" for s, k, u in zip(np.repeat(["建国", "人民", "解放", "中山"], 500),
                                                             np.tile(np.arange(1, 501), 4), np.tile([1, 2, 3, 4], 500))],
                       dtype=object)
    days = rng.integers(0, 20_000, n).astype("timedelta64[D]")
    return pd.DataFrame({
        "entity_id": np.char.add("E", np.char.zfill(np.arange(n).astype(str), 8)).astype(object),
        "full_name": pick(names), "gender": pick(np.array(["M", "F"], dtype=object)),
        "birth_date": (np.datetime64("1950-01-01") + days).astype("datetime64[D]").astype(str).astype(object),
        "phone": phones, "email": emails,
        "id_number": np.char.add("1101051990", rng.integers(10_000_000, 99_999_999, n).astype(str)).astype(object),
        "address": pick(streets), "province": prov, "city": cty, "district": dist,
        "postcode": rng.integers(100_000, 999_999, n).astype(str).astype(object),
        "country": np.full(n, "CN", dtype=object),
        "total_spent": money_from_units(np.rint(rng.gamma(2.0, 300.0, n) * 100).astype(np.int64)),  # exact
        "order_count": rng.integers(0, 200, n),
    })


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--part-bytes", type=int, default=32 * 2**20)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_handover_"))
    try:
        generate_keys(work / "keys", bits=3072)
        material = load_key_material(KeysSpec.from_dict({"recipient_certificates": ["buyer.pem"],
                                                         "signer_certificate": "seller.pem",
                                                         "signer_key": "seller.key"}, base_dir=work / "keys"))
        t0 = time.perf_counter()
        df = make_golden(args.rows)
        print(f"generated {len(df):,} rows x {df.shape[1]} columns in {time.perf_counter() - t0:.1f} s")
        base = rss_mb()
        times, plain = [], 0
        for i in range(args.repeat):
            out = work / f"h{i}"
            t0 = time.perf_counter()
            files = export_tables({"customers": df}, out, material, part_bytes=args.part_bytes)
            write_manifest(out, files, material, reconciliation={"input": len(df), "transferred": len(df),
                                                                 "merged": 0, "excluded": 0},
                           params_hash="0" * 64, run_id="bench", created_at="2026-01-01T00:00:00+00:00")
            times.append(time.perf_counter() - t0)
            plain = sum(f.plaintext_bytes for f in files)
            shutil.rmtree(out)
        med = statistics.median(times)
        print(f"rows={args.rows:,} parts={len(files)} plaintext={plain / 1e6:.1f} MB")
        print(f"export+sign median {med:.2f} s over {args.repeat} runs ({', '.join(f'{t:.2f}' for t in times)}); "
              f"{plain / 1e6 / med:.1f} MB/s")
        print(f"peak RSS {rss_mb():.0f} MB (before export {base:.0f} MB, increase {max(0.0, rss_mb() - base):.0f} MB)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
