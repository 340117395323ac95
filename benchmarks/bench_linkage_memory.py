"""Peak RSS of ``link()`` alone: a fresh process loads only the std columns the spec uses, then links.

The std parquet comes from ``bench_linkage_rehearsal.py --entities N --seed S --save-std /tmp/lk``
(e.g. ``std_1000000_11.parquet``); generate it there first. ``--categorical`` loads the string
columns dictionary-encoded (pandas categoricals), which ``link()`` accepts as they are. Prints RSS after loading, peak RSS after
linking, the stage timings and the median total over ``--repeat`` runs.

Run::

    .venv/bin/python benchmarks/bench_linkage_memory.py --entities 1000000 --seed 11
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def _rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entities", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/lk"))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--categorical", action="store_true", help="load string columns as categoricals")
    a = ap.parse_args()
    from migration_kit.linkage import LinkageSpec, link

    spec = LinkageSpec.default()
    path = a.cache / f"std_{a.entities}_{a.seed}.parquet"
    if not path.exists():
        sys.exit(f"{path} missing: run bench_linkage_rehearsal.py --entities {a.entities} --seed {a.seed} first")
    schema = pq.read_schema(path)
    cols = [c for c in spec.used_columns() if c in schema.names]
    if a.categorical:  # strings as dictionary-encoded categoricals: no Python str per cell
        text = [c for c in cols if pa.types.is_string(schema.field(c).type) or pa.types.is_large_string(schema.field(c).type)]
        std = pq.read_table(path, columns=cols, read_dictionary=text).to_pandas()
    else:
        std = pd.read_parquet(path, columns=cols)
    print(f"records={len(std)} columns={len(std.columns)} rss_after_load={_rss_gb():.2f}GB")
    times = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        res = link(std, spec)
        times.append(time.perf_counter() - t0)
    print(f"median_total={np.median(times):.2f}s stages={res.timings} peak_rss={_rss_gb():.2f}GB "
          f"entities={res.counts['entities']}")
    c = res.counts
    print(f"pairs: candidates={c['candidate_pairs']:,} above_upper={c['pairs_above_upper']:,} "
          f"review={c['pairs_review']:,} blocks_skipped={c['blocks_skipped']:,}")
    print("candidates first found by rule: " + ", ".join(
        f"{k[6:]}={v:,}" for k, v in c.items() if k.startswith("pairs_") and k[6:] in {r.name for r in spec.blocking}))


if __name__ == "__main__":
    sys.exit(main())
