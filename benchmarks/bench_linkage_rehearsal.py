"""Accuracy and speed of migration_kit.linkage.link on the Faker rehearsal data (``migration-kit synth``).

Prints pairwise precision / recall / F1 overall, per trap (truth ``trap``: family_shared_phone,
namesake, pinyin_variant) and per variant label, the stage timings and peak RSS.

Per trap / variant, "recall" is measured on the true pairs touching a record with that label and
"precision" on the predicted pairs touching such a record (so a namesake merge shows up as a
precision loss on ``namesake``).

Run::

    .venv/bin/python benchmarks/bench_linkage_rehearsal.py                # committed set
    .venv/bin/python benchmarks/bench_linkage_rehearsal.py --entities 100000 --seed 11
    .venv/bin/python benchmarks/bench_linkage_rehearsal.py --entities 2000 --seeds 1-10   # spread over seeds

Generated sets and their std tables are cached under ``/tmp/lk`` (``--cache``).
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def load(entities: int | None, seed: int, cache: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Std table and truth of the committed set (``entities=None``) or a generated one (cached)."""
    from migration_kit.pipeline import open_run, step_clean, step_intake

    if entities is None:
        params, truth_file, tag = ROOT / "params/rehearsal.yaml", ROOT / "synthetic_data/rehearsal/truth.csv", "committed"
    else:
        out = cache / f"synth_{entities}_{seed}"
        params, truth_file, tag = out / "params.yaml", out / "truth.csv", f"{entities}_{seed}"
        if not params.exists():
            subprocess.run([str(ROOT / ".venv/bin/migration-kit"), "synth", "--entities", str(entities),
                            "--seed", str(seed), "--out", str(out)], check=True)
    std_file = cache / f"std_{tag}.parquet"
    if not std_file.exists():
        ctx = open_run(params, run_id=f"bench_{tag}", runs_dir=cache / "runs")
        step_intake(ctx)
        step_clean(ctx)
        cache.mkdir(parents=True, exist_ok=True)
        ctx.run.read_parquet("std").to_parquet(std_file)
    std = pd.read_parquet(std_file)
    truth = pd.read_csv(truth_file, dtype=str, keep_default_na=False)
    truth = truth[truth["source"] != "suppression"]
    return std, truth


def _pair_counts(pred: np.ndarray, true: np.ndarray, flag: np.ndarray) -> tuple[int, int, int]:
    """(tp, predicted, true) pairs with at least one flagged record (exact, via group sizes)."""
    def pairs_touching(keys: list[np.ndarray]) -> int:
        df = pd.DataFrame({f"k{n}": k for n, k in enumerate(keys)})
        df["f"] = flag
        g = df.groupby([f"k{n}" for n in range(len(keys))])["f"].agg(["size", "sum"])
        s, f = g["size"].to_numpy(np.int64), g["sum"].to_numpy(np.int64)
        nf = s - f
        return int((s * (s - 1) // 2 - nf * (nf - 1) // 2).sum())
    return pairs_touching([pred, true]), pairs_touching([pred]), pairs_touching([true])


def _prf(tp: int, pp: int, tt: int) -> str:
    p = tp / pp if pp else 1.0
    r = tp / tt if tt else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"P={p:.4f} R={r:.4f} F1={f:.4f} (tp={tp} pred={pp} true={tt})"


def report(std: pd.DataFrame, truth: pd.DataFrame, entity: pd.Series) -> None:
    """Print overall / per trap / per variant pairwise metrics."""
    key = std["source"].astype(str) + "\x1f" + std["record_id"].astype(str)
    t = truth.set_index(truth["source"] + "\x1f" + truth["record_id"]).reindex(key)
    missing = int(t["entity_id"].isna().sum())
    if missing:
        print(f"warning: {missing} std rows have no truth row")
    pred = pd.factorize(entity)[0]
    true = pd.factorize(t["entity_id"].fillna("?" + key))[0]
    all_flag = np.ones(len(std), dtype=bool)
    print("overall  ", _prf(*_pair_counts(pred, true, all_flag)))
    traps = t["trap"].fillna("")
    for trap in sorted(x for x in traps.unique() if x):
        print(f"trap {trap:<22}", _prf(*_pair_counts(pred, true, (traps == trap).to_numpy())))
    variants = t["variants"].fillna("").str.split(";")
    labels = sorted({v for vs in variants for v in vs if v})
    for lab in labels:
        flag = variants.map(lambda vs, lab=lab: lab in vs).to_numpy()
        print(f"variant {lab:<19}", _prf(*_pair_counts(pred, true, flag)))


def spread(a: argparse.Namespace) -> None:
    """Overall pairwise figures for several generated sets (one seed each), then min and median F1."""
    from migration_kit.linkage import LinkageSpec, link, pairwise_metrics
    from migration_kit.params import load_params

    lo, _, hi = a.seeds.partition("-")
    f1s = []
    for seed in range(int(lo), int(hi or lo) + 1):
        std, truth = load(a.entities or 2000, seed, a.cache)
        spec = load_params(a.cache / f"synth_{a.entities or 2000}_{seed}/params.yaml").linkage or LinkageSpec.default()
        res = link(std, spec)
        key = std["source"].astype(str) + "\x1f" + std["record_id"].astype(str)
        t = truth.set_index(truth["source"] + "\x1f" + truth["record_id"]).reindex(key)["entity_id"]
        m = pairwise_metrics(res.entities["entity_id"].to_numpy(), t.fillna("?" + key).to_numpy())
        f1s.append(m["f1"])
        print(f"seed={seed} records={len(std)} P={m['precision']:.4f} R={m['recall']:.4f} F1={m['f1']:.4f}")
    print(f"sets={len(f1s)} F1 min={min(f1s):.4f} median={float(np.median(f1s)):.4f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entities", type=int, default=None)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/lk"))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--seeds", default=None, help="e.g. 1-10: overall F1 per generated set, then min / median")
    a = ap.parse_args()
    if a.seeds:
        return spread(a)
    from migration_kit.linkage import LinkageSpec, link
    from migration_kit.params import load_params

    std, truth = load(a.entities, a.seed, a.cache)
    params = ROOT / "params/rehearsal.yaml" if a.entities is None else a.cache / f"synth_{a.entities}_{a.seed}/params.yaml"
    spec = load_params(params).linkage or LinkageSpec.default()
    times, res = [], None
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        res = link(std, spec)
        times.append(time.perf_counter() - t0)
    from migration_kit.linkage.golden import build_golden
    t0 = time.perf_counter()
    build_golden(std, res.entities, load_params(params).golden)
    golden_s = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"records={len(std)} candidates={res.counts['candidate_pairs']} edges={res.counts['pairs_above_upper']} "
          f"review={res.counts['pairs_review']} entities={res.counts['entities']} "
          f"median_total={np.median(times):.2f}s stages={res.timings} golden={golden_s:.2f}s peak_rss={rss:.2f}GB")
    report(std, truth, res.entities["entity_id"])


if __name__ == "__main__":
    sys.exit(main())
