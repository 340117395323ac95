"""Fast vectorized generator of a standardized table with known duplicates (for scale runs).

Not the Faker generator (``migration_kit.synthetic``): this one only needs plausible std columns,
the Chinese surname concentration (王/李/张 ~7% each) and realistic duplicate corruptions
(one-digit phone typo, changed phone, day/month swap, romanised name, missing fields), fast.

Example
-------
>>> std, truth = make_std(1000, seed=1)
>>> len(std) == len(truth) == 1000
True
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["make_std"]

FAMILY = [("王", "wang", 7.2), ("李", "li", 7.1), ("张", "zhang", 6.8), ("刘", "liu", 5.4), ("陈", "chen", 4.5),
          ("杨", "yang", 3.1), ("黄", "huang", 2.2), ("赵", "zhao", 2.0), ("吴", "wu", 1.9), ("周", "zhou", 1.8),
          ("徐", "xu", 1.3), ("孙", "sun", 1.2), ("马", "ma", 1.2), ("朱", "zhu", 1.1), ("胡", "hu", 1.0),
          ("郭", "guo", 0.9), ("何", "he", 0.9), ("高", "gao", 0.9), ("林", "lin", 0.9), ("罗", "luo", 0.8),
          ("欧阳", "ouyang", 0.1), ("司马", "sima", 0.05), ("诸葛", "zhuge", 0.03)]
GIVEN = list(zip("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国鹏志文", [
    "wei", "fang", "na", "min", "jing", "li", "qiang", "lei", "jun", "yang", "yong", "yan", "jie", "juan",
    "tao", "ming", "chao", "xiu", "xia", "ping", "gang", "gui", "ying", "hua", "yu", "lan", "hong", "jian",
    "guo", "peng", "zhi", "wen"]))
CITIES = ["北京市", "上海市", "广州市", "深圳市", "成都市", "杭州市", "武汉市", "西安市", "南京市", "重庆市",
          "天津市", "苏州市", "长沙市", "郑州市", "沈阳市", "青岛市", "宁波市", "东莞市", "无锡市", "昆明市"]
DOMAINS = np.array(["@qq.com", "@163.com", "@126.com", "@sina.com", "@gmail.com"], dtype=object)
SOURCES = np.array(["pos", "web", "club", "overseas"], dtype=object)


def _pick(rng, items, n, weights=None):
    p = None if weights is None else np.asarray(weights, float) / np.sum(weights)
    return rng.choice(len(items), n, p=p)


def make_std(n: int, seed: int = 0, dup_rate: float = 0.3) -> tuple[pd.DataFrame, pd.Series]:
    """Return ``(std, truth)``: ``n`` records, ``truth`` the true entity of each."""
    rng = np.random.default_rng(seed)
    n_ent = int(n / (1 + dup_rate))
    extra = n - n_ent
    ent = np.r_[np.arange(n_ent), rng.choice(n_ent, extra)]
    fam = _pick(rng, FAMILY, n_ent, [w for *_, w in FAMILY])
    g1, g2 = _pick(rng, GIVEN, n_ent), _pick(rng, GIVEN, n_ent)
    two = rng.random(n_ent) < 0.7
    fz = np.array([f[0] for f in FAMILY], object)[fam]
    fp = np.array([f[1] for f in FAMILY], object)[fam]
    gz = np.array([g[0] for g in GIVEN], object)
    gp = np.array([g[1] for g in GIVEN], object)
    given_z = np.where(two, gz[g1] + gz[g2], gz[g1])
    given_p = np.where(two, gp[g1] + gp[g2], gp[g1])
    dob = np.datetime64("1950-01-01") + rng.integers(0, 60 * 365, n_ent).astype("timedelta64[D]")
    phone = 13_000_000_000 + rng.integers(0, 6_999_999_999, n_ent, dtype=np.int64)
    city = _pick(rng, CITIES, n_ent)
    idn = rng.integers(10**17, 9 * 10**17, n_ent, dtype=np.int64)
    num = rng.integers(1, 999, n_ent)
    # records
    fam_z, fam_p, gz_r, gp_r = fz[ent], fp[ent], given_z[ent], given_p[ent]
    name_key = fam_z + gz_r
    roman = (rng.random(n) < 0.1) & (np.arange(n) >= n_ent)
    name_key = np.where(roman, fam_p + " " + gp_r, name_key)
    pinyin_key = np.where(fam_p < gp_r, fam_p + " " + gp_r, gp_r + " " + fam_p)
    ph = phone[ent].copy()
    dup = np.arange(n) >= n_ent
    r = rng.random(n)
    typo = dup & (r < 0.15)
    pos = 10 ** rng.integers(0, 8, n)
    digit = (ph // pos) % 10
    ph = np.where(typo, ph - digit * pos + ((digit + rng.integers(1, 10, n)) % 10) * pos, ph)
    changed = dup & (r >= 0.15) & (r < 0.30)
    ph = np.where(changed, 13_000_000_000 + rng.integers(0, 6_999_999_999, n, dtype=np.int64), ph)
    phone_s = pd.Series("+86" + ph.astype(str), dtype=object).where(rng.random(n) > 0.1)
    d = pd.Series(dob[ent])
    swap = dup & (rng.random(n) < 0.05) & (d.dt.day <= 12).to_numpy()
    swapped = pd.to_datetime(pd.DataFrame({"year": d.dt.year, "month": d.dt.day, "day": d.dt.month}), errors="coerce")
    d = d.where(~swap, swapped).where(rng.random(n) > 0.3)
    email = pd.Series(gp_r + "." + fam_p + (ent % 997).astype(str) + DOMAINS[ent % 5], dtype=object)
    email = email.where(rng.random(n) > 0.4)
    std = pd.DataFrame({
        "source": SOURCES[_pick(rng, SOURCES, n, [5, 3, 1, 1])],
        "name_key": name_key, "pinyin_key": pinyin_key,
        "family_name": np.where(roman, fam_p, fam_z), "given_name": np.where(roman, gp_r, gz_r),
        "birth_date": d, "phone": phone_s, "email": email,
        "id_number": pd.Series(idn[ent].astype(str), dtype=object).where(rng.random(n) < 0.3),
        "city": pd.Series(np.array(CITIES, object)[city[ent]]).where(rng.random(n) > 0.1),
        "address": pd.Series(np.array(CITIES, object)[city[ent]] + "人民路" + num[ent].astype(str) + "号"),
        "gender": np.where(ent % 2 == 0, "M", "F"),
    })
    order = rng.permutation(n)
    std = std.iloc[order].reset_index(drop=True)
    truth = pd.Series(ent[order], name="entity")
    std.insert(1, "record_id", pd.Series(np.arange(n)).astype(str).str.zfill(8).to_numpy())
    return std, truth
