"""Benchmark data: generate (or reuse) a seeded synthetic rehearsal set of N entities in a cache folder.

The set lives outside the repository, by default in ``/tmp/migration_kit_bench/<N>_<seed>/``
(override with ``--root`` or the ``MIGRATION_KIT_BENCH_DATA`` environment variable). It is written
into a temporary sibling folder and renamed into place once complete, so an interrupted generation
is never reused. ``counts.json`` in the folder records rows per source (the completion marker).

By default the generation runs in a child process so that its memory does not count in the
calling benchmark's peak RSS.

Usage::

    .venv/bin/python benchmarks/_data.py [--entities 760000] [--seed 7] [--root /tmp/migration_kit_bench]

Example
-------
>>> params = dataset(2000, 7)          # doctest: +SKIP
>>> params.name, record_count(params)  # doctest: +SKIP
('params.yaml', 2600)
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["DEFAULT_ROOT", "dataset", "dataset_counts", "record_count"]

#: Default cache folder (outside the repository).
DEFAULT_ROOT = Path(os.environ.get("MIGRATION_KIT_BENCH_DATA", "/tmp/migration_kit_bench"))
#: Keys of ``counts.json`` that are not customer-record sources.
_NOT_SOURCES = ("entities", "suppression")
_MARKER = "counts.json"


def _generate_here(entities: int, seed: int, folder: Path) -> dict[str, int]:
    """Generate into ``folder`` in this process; return the counts (also written to counts.json)."""
    from migration_kit.synthetic import generate

    res = generate(entities, seed, folder, params_path=folder / "params.yaml")
    counts = {k: int(v) for k, v in res.counts.items()}
    (folder / _MARKER).write_text(json.dumps(counts, indent=2, sort_keys=True), encoding="utf-8")
    return counts


def dataset(entities: int, seed: int = 7, root: Path | str | None = None, *, subprocess_: bool = True,
            echo=print) -> Path:
    """Return the params file of the cached set ``<root>/<entities>_<seed>/``, generating it if absent.

    Parameters
    ----------
    entities : int
        Number of synthetic people (records are ~1.3x that).
    seed : int
        Generator seed (same seed, same bytes).
    root : path, optional
        Cache folder; default :data:`DEFAULT_ROOT`.
    subprocess_ : bool
        Generate in a child interpreter (keeps the caller's peak RSS clean). Default True.
    echo : callable
        Progress messages.

    Returns
    -------
    Path
        ``<root>/<entities>_<seed>/params.yaml``.

    Example
    -------
    >>> dataset(40, 3, "/tmp/x", subprocess_=False).name   # doctest: +SKIP
    'params.yaml'
    """
    if not isinstance(entities, int) or entities < 20:
        raise ValueError(f"entities: received {entities!r}; give an integer >= 20 (the generator's minimum)")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed: received {seed!r}; give a non-negative integer")
    root = Path(root) if root is not None else DEFAULT_ROOT
    folder = root / f"{entities}_{seed}"
    if (folder / _MARKER).exists() and (folder / "params.yaml").exists():
        return folder / "params.yaml"
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{entities}_{seed}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    echo(f"generating {entities:,} entities (seed {seed}) into {folder} ...")
    t0 = time.perf_counter()
    try:
        if subprocess_:
            cmd = [sys.executable, str(Path(__file__).resolve()), "--entities", str(entities), "--seed", str(seed),
                   "--into", str(tmp)]
            subprocess.run(cmd, check=True)
        else:
            tmp.mkdir(parents=True)
            _generate_here(entities, seed, tmp)
        if folder.exists():  # a concurrent or interrupted run: replace only an incomplete folder
            if (folder / _MARKER).exists():
                shutil.rmtree(tmp, ignore_errors=True)
                return folder / "params.yaml"
            shutil.rmtree(folder)
        tmp.rename(folder)  # params.yaml holds paths relative to its own folder, so the rename keeps it valid
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    echo(f"generated in {time.perf_counter() - t0:.1f} s")
    return folder / "params.yaml"


def dataset_counts(params_path: Path | str) -> dict[str, int]:
    """Rows per source of a cached set (``counts.json`` next to the params file)."""
    return json.loads((Path(params_path).parent / _MARKER).read_text(encoding="utf-8"))


def record_count(params_path: Path | str) -> int:
    """Customer records of a cached set (sum over sources, without entities and suppression)."""
    return sum(v for k, v in dataset_counts(params_path).items() if k not in _NOT_SOURCES)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=int, default=760_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--root", type=Path, default=None)
    ap.add_argument("--into", type=Path, default=None, help=argparse.SUPPRESS)  # child mode: generate here
    args = ap.parse_args(argv)
    if args.into is not None:
        args.into.mkdir(parents=True, exist_ok=True)
        _generate_here(args.entities, args.seed, args.into)
        return
    params = dataset(args.entities, args.seed, args.root)
    print(f"{params}  records={record_count(params):,}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
