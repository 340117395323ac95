"""Benchmark of the cleaning stage on a synthetic raw table (default 1M rows).

Realistic shape: ~unique phones (with +86/0086/dash/space/Excel variants and a few invalid ranges),
~unique e-mails and resident IDs (valid check digits, some 15-digit and some corrupted), names from a
pool of ~50k, addresses from a pool of ~3k, birth dates from ~30k days, ~unique timestamps.

Prints the median wall time of ``standardize()`` over ``--repeat`` runs, the time per field
cleaner (one run each) and the peak RSS of the process.

Usage::

    .venv/bin/python benchmarks/bench_clean.py [--rows 1000000] [--repeat 1]
"""
from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import time

import numpy as np
import pandas as pd

from migration_kit.clean import (clean_address, clean_amount, clean_boolean, clean_count, clean_email, clean_id,
                                 clean_name, clean_phone, parse_dates, standardize)
from migration_kit.clean.ids import check_digit

REF = dt.date(2024, 6, 30)
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗") + ["欧阳", "司马", "诸葛"]
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰鹏")
PLACES = ["北京朝阳区", "北京市海淀区", "上海市浦东新区", "上海徐汇区", "广东省深圳市南山区", "深圳福田区",
          "广州天河区", "杭州西湖区", "成都武侯区", "武汉洪山区", "南京鼓楼区", "天津和平区", "重庆渝中区",
          "西安雁塔区", "浙江省宁波市", "江苏苏州"]
ROADS = list("建国中山人民解放和平长江黄河文化科技")


def _pick(rng: np.random.Generator, pool: np.ndarray, n: int) -> np.ndarray:
    return pool[rng.integers(0, len(pool), n)]


def build_raw(n: int, seed: int = 42) -> pd.DataFrame:
    """Synthetic raw table of ``n`` rows (vectorized generation, seeded)."""
    rng = np.random.default_rng(seed)
    S = pd.Series
    # names: pool of ~50k full names, some spaced / traditional / Latin
    fam = _pick(rng, np.array(SURNAMES, dtype=object), 60_000)
    giv = _pick(rng, np.array(GIVEN, dtype=object), 60_000) + np.where(
        rng.random(60_000) < 0.7, _pick(rng, np.array(GIVEN, dtype=object), 60_000), "")
    name_pool = pd.unique(fam + giv)
    names = _pick(rng, np.asarray(name_pool, dtype=object), n)
    latin = rng.random(n) < 0.05
    names[latin] = "Wang Penglei"
    # phones: mobile prefixes incl. unassigned 140/174, then formatting variants
    prefix = _pick(rng, np.array(["138", "139", "150", "186", "177", "199", "140", "174", "135", "158"]), n)
    body = S(rng.integers(0, 100_000_000, n)).astype(str).str.zfill(8).to_numpy(dtype=object)
    phone = prefix.astype(object) + body
    fmt = rng.random(n)
    phone = np.where(fmt < 0.1, "+86 " + phone, phone)
    phone = np.where((fmt >= 0.1) & (fmt < 0.15), phone + ".0", phone)
    phone = np.where((fmt >= 0.15) & (fmt < 0.18), "010-" + body, phone)
    phone = np.where(fmt >= 0.97, None, phone)
    # e-mails: ~unique
    email = "user" + S(np.arange(n)).astype(str).to_numpy(dtype=object) + "@" + _pick(
        rng, np.array(["qq.com", "163.com", "Gmail.com", "sina..com"], dtype=object), n)
    # resident IDs with valid check digits; some 15-digit, some corrupted
    region = _pick(rng, np.array(["110105", "440305", "310115", "510107", "330106"]), n)
    born = pd.Timestamp(1950, 1, 1) + pd.to_timedelta(rng.integers(0, 365 * 55, n), unit="D")
    ymd = born.strftime("%Y%m%d").to_numpy().astype("<U8")
    seq = S(rng.integers(0, 1000, n)).astype(str).str.zfill(3).to_numpy().astype("<U3")
    first17 = np.char.add(np.char.add(region.astype("<U6"), ymd), seq)
    ids = np.char.add(first17, check_digit(first17)).astype(object)
    odd = seq.astype(np.int64) % 2 == 1
    gender = np.where(odd, "男", "女").astype(object)
    gender[rng.random(n) < 0.1] = None
    corrupt = rng.random(n) < 0.02
    ids[corrupt] = np.char.add(first17[corrupt], "0").astype(object)
    # birth dates in mixed formats from the same days; timestamps ~unique
    bfmt = rng.random(n)
    birth = np.where(bfmt < 0.5, born.strftime("%Y-%m-%d").to_numpy(dtype=object),
                     np.where(bfmt < 0.8, born.strftime("%Y/%-m/%-d").to_numpy(dtype=object),
                              born.strftime("%Y年%-m月%-d日").to_numpy(dtype=object)))
    created = (pd.Timestamp(2015, 1, 1) + pd.to_timedelta(rng.integers(0, 9 * 365 * 86400, n), unit="s"))
    created_s = created.strftime("%Y-%m-%dT%H:%M:%S+08:00").to_numpy(dtype=object)
    address_pool = np.array([p + r + "路" + str(k) + "号" for p in PLACES for r in ROADS for k in range(1, 20)],
                            dtype=object)
    return pd.DataFrame({
        "source": "pos", "record_id": S(np.arange(n)).astype(str).to_numpy(dtype=object),
        "row_number": np.arange(1, n + 1),
        "raw__full_name": names, "raw__gender": gender,
        "raw__birth_date": birth, "raw__phone": phone, "raw__email": email, "raw__id_number": ids,
        "raw__address": _pick(rng, address_pool, n), "raw__created_at": created_s,
        "raw__total_spent": "¥" + S(rng.integers(0, 500_000, n) / 100).astype(str).to_numpy(dtype=object),
        "raw__order_count": S(rng.integers(0, 50, n)).astype(str).to_numpy(dtype=object),
        "raw__marketing_consent": _pick(rng, np.array(["是", "否", "Y", "N", None], dtype=object), n),
    })


def _time(fn) -> tuple[float, float]:
    """(wall, CPU) seconds of one call; CPU time is less disturbed by other users of the machine."""
    t, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    t0 = time.perf_counter()
    raw = build_raw(args.rows)
    print(f"built {len(raw):,} rows in {time.perf_counter() - t0:.1f} s")
    c = {f: raw[f"raw__{f}"] for f in ("full_name", "phone", "email", "id_number", "birth_date", "created_at",
                                        "address", "total_spent", "order_count", "marketing_consent")}
    fields = {
        "names": lambda: clean_name(c["full_name"]),
        "phone": lambda: clean_phone(c["phone"]),
        "email": lambda: clean_email(c["email"]),
        "id_number": lambda: clean_id(c["id_number"], REF),
        "birth_date": lambda: parse_dates(c["birth_date"], reference_date=REF, keep_time=False),
        "created_at": lambda: parse_dates(c["created_at"], reference_date=REF),
        "address": lambda: clean_address(c["address"]),
        "numbers+flag": lambda: (clean_amount(c["total_spent"]), clean_count(c["order_count"]),
                                 clean_boolean(c["marketing_consent"])),
    }
    for name, fn in fields.items():
        wall, cpu = _time(fn)
        print(f"  {name:<14} wall {wall:6.2f} s   cpu {cpu:6.2f} s")
    times, cpus, result = [], [], {}
    for _ in range(args.repeat):
        wall, cpu = _time(lambda: result.update(out=standardize(raw, reference_date=REF)))
        times.append(wall)
        cpus.append(cpu)
    std, failures = result["out"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"standardize: median wall {statistics.median(times):.1f} s, cpu {statistics.median(cpus):.1f} s "
          f"over {len(times)} run(s); "
          f"{len(std):,} rows, {len(failures):,} failure rows; peak RSS {peak:.2f} GB")


if __name__ == "__main__":
    main()
