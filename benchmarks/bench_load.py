"""The buyer's load: seconds to verify, decrypt and load a handover, into SQLite and PostgreSQL.

Data: a generated retail_cn set of ``--entities`` people (``_data.dataset``, cached), run through
the product's steps (``pipeline.run_all``, its scope stop on unmatched requests overridden the way
an analyst would: every open request listed under ``policy.requests.overrides``) to a signed
handover. Then ``load_handover`` is timed ``--repeat`` times into a fresh DuckDB file (the default
target), a fresh SQLite file and, when a ``--pg URL`` is given, into PostgreSQL (``--replace``
between repeats).

With ``--scale K`` the real handover's tables (``export_frames`` of the run) are repeated K times
with suffixed ``entity_id`` / ``record_id`` and exported and signed again with the run's keys, so
that a 1M-customer handover of the real row shape is loaded without running the pipeline at 1M.

Printed: customers, the handover's parts, and the median seconds per target beside the target
(1M customers in at most 30 s).

Run::

    .venv/bin/python benchmarks/bench_load.py [--entities 100000] [--seed 11] [--repeat 3]
        [--pg postgresql://user@/db?host=/socket/dir] [--scale 11]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import dataset

from migration_kit import pipeline
from migration_kit.errors import LawfulnessError
from migration_kit.handover.load import load_handover

TARGET_SECONDS_1M = 30.0


def _handover(params: Path, tmp: Path) -> pipeline.RunContext:
    ctx = pipeline.open_run(params, run_id="load", runs_dir=tmp / "runs")
    try:
        pipeline.run_all(ctx, echo=lambda s: None)
        return ctx
    except LawfulnessError:  # the generator writes requests that match no record: override them
        open_ids = pd.read_csv(ctx.run.file("suppression_requests"), dtype=str)
        open_ids = open_ids.loc[open_ids["status"].isin(["unmatched", "unusable"]), "request_id"]
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    for entry in data["sources"] + data.get("suppression", []):
        entry["path"] = str((params.parent / entry["path"]).resolve())
    data.setdefault("policy", {})["requests"] = {
        "overrides": [
            {
                "request_ids": list(open_ids),
                "reason": "benchmark: synthetic requests for contacts no record holds",
                "approved_by": "bench_load",
            }
        ]
    }
    resolved = tmp / "params.yaml"
    resolved.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    ctx = pipeline.open_run(resolved, run_id="load2", runs_dir=tmp / "runs")
    pipeline.run_all(ctx, echo=lambda s: None)
    return ctx


def _scaled(ctx: pipeline.RunContext, k: int, out: Path) -> Path:
    """The run's export tables repeated ``k`` times, exported and signed into ``out``."""
    from migration_kit.handover.export import export_tables, table_schema
    from migration_kit.handover.manifest import write_manifest
    from migration_kit.pipeline.context import key_material
    from migration_kit.pipeline.exports import export_frames

    tables = {}
    for name, df in export_frames(ctx).items():
        copies = []
        for i in range(k):
            c = df.copy()
            c["entity_id"] = c["entity_id"].astype(str) + f"-{i}"
            if "record_id" in c:
                c["record_id"] = c["record_id"].astype(str) + f"-{i}"
            copies.append(c)
        tables[name] = pd.concat(copies, ignore_index=True)
    material = key_material(ctx)
    files = export_tables(tables, out, material)
    recon = ctx.run.read_json("reconciliation")
    write_manifest(
        out,
        files,
        material,
        reconciliation={key: v * k if isinstance(v, int) else v for key, v in recon.items()},
        params_hash=ctx.params.sha256,
        run_id=f"{ctx.run.run_id}-x{k}",
        created_at=ctx.now,
        schemas={name: table_schema(name, df) for name, df in tables.items()},
    )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pg", default=None, help="a postgresql:// URL to load into as well")
    ap.add_argument("--scale", type=int, default=1, help="repeat the handover's rows K times")
    args = ap.parse_args(argv)
    params = dataset(args.entities, args.seed)
    with tempfile.TemporaryDirectory(prefix="bench_load_") as name:
        tmp = Path(name)
        ctx = _handover(params, tmp)
        folder = ctx.run.path("handover")
        if args.scale > 1:
            folder = _scaled(ctx, args.scale, tmp / "scaled")
        keys = ctx.run.path("secrets", "keys")
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        customers = manifest["tables"]["customers"]["rows"]
        parts = sum(t["parts"] for t in manifest["tables"].values())
        key_args = (keys / "seller.pem", keys / "buyer.key", keys / "buyer.pem")
        results: dict[str, list[float]] = {"duckdb": [], "sqlite": [], "postgresql": []}
        for k in range(args.repeat):
            for target, suffix in (("duckdb", "duckdb"), ("sqlite", "sqlite")):
                t0 = time.perf_counter()
                load_handover(folder, *key_args, db=tmp / f"load{k}.{suffix}")
                results[target].append(time.perf_counter() - t0)
            if args.pg:
                import psycopg

                with psycopg.connect(args.pg) as con:  # a fresh load each time
                    con.execute("DROP TABLE IF EXISTS _migration_kit_loads")
                t0 = time.perf_counter()
                load_handover(folder, *key_args, db=args.pg, replace=True)
                results["postgresql"].append(time.perf_counter() - t0)
    target = TARGET_SECONDS_1M * customers / 1_000_000
    print(f"set: {params} ({args.entities:,} people); customers in the handover: {customers:,}; "
          f"parts: {parts}")
    for db, times in results.items():
        if times:
            med = statistics.median(times)
            print(f"{db}: median {med:.1f} s over {len(times)} (min {min(times):.1f}); "
                  f"{customers / med:,.0f} customers/s; pro rata target {target:.1f} s: "
                  f"{'meets' if med <= target else 'misses'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
