"""Speed and memory of migration_kit.linkage.link on synthetic std tables.

Run: .venv/bin/python benchmarks/bench_linkage_scale.py [n ...]   (default 100000)
Prints per-stage seconds, pair counts, pairwise F1 against the generator's truth and peak RSS.
"""
from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _synthetic_std import make_std  # noqa: E402

from migration_kit.linkage import LinkageSpec, link, pairwise_metrics  # noqa: E402


def main(sizes: list[int]) -> None:
    spec = LinkageSpec.default()
    for n in sizes:
        std, truth = make_std(n, seed=1)
        t0 = time.perf_counter()
        res = link(std, spec)
        el = time.perf_counter() - t0
        m = pairwise_metrics(res.entities["entity_id"], truth)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
        print(f"n={n}: total={el:.2f}s stages={res.timings} candidates={res.counts['candidate_pairs']} "
              f"skipped_blocks={res.counts['blocks_skipped']} edges={res.counts['pairs_above_upper']} "
              f"review={res.counts['pairs_review']} entities={res.counts['entities']} "
              f"P={m['precision']:.4f} R={m['recall']:.4f} F1={m['f1']:.4f} peak_rss={rss:.2f}GB")


if __name__ == "__main__":
    main([int(x) for x in sys.argv[1:]] or [100_000])
