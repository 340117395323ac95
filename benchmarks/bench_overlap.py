"""Benchmark: the three overlap steps (request, answer, result) for N x N golden customers.

Builds both parties' identifier tables with numpy (fill rates of the rehearsal's golden records:
phone 97 %, e-mail 57 %, ID 41 %, name + birth 58 %; 30 % of the buyer's customers are the
seller's, each side holding its own subset of their identifiers), runs the steps through the
message files and prints, per step, the median seconds, microseconds per token, the ratio to the
60 s target and, below 1M, the linear extrapolation to 1M (the elliptic-curve work is linear in
the tokens). The counts are checked against the plaintext intersections. A "floor" line gives
the least time a step can take on this machine: its elliptic-curve operations divided by OpenSSL's
own rate (P-256 and X25519 through ``cryptography``, one scalar multiplication each) times the
cores.

Example
-------
``.venv/bin/python benchmarks/bench_overlap.py --customers 1000000 --repeat 1``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from migration_kit.overlap import psi
from migration_kit.overlap.estimate import inclusion_exclusion
from migration_kit.overlap.identifiers import KINDS, SUBSETS, subset_name, subset_tokens
from migration_kit.overlap.protocol import make_answer, make_request, read_result

FILL = {"phone": 0.97, "email": 0.57, "id_number": 0.41, "name_birth": 0.58}
TARGET_S = 60.0


def _values(ids: np.ndarray) -> dict[str, np.ndarray]:
    s = pd.Series(ids).astype(str)
    return {
        "phone": ("+86138" + s.str.zfill(8)).to_numpy(dtype=object),
        "email": ("user" + s + "@example.cn").to_numpy(dtype=object),
        "id_number": ("1101051990" + s.str.zfill(8)).to_numpy(dtype=object),
        "name_birth": ("王伟" + s + "|1990-03-05").to_numpy(dtype=object),
    }


def make_parties(n: int, overlap: float = 0.3, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Buyer and seller identifier tables of n customers each; the first overlap*n buyer
    customers are seller customers 0..overlap*n-1."""
    rng = np.random.default_rng(seed)
    shared = int(overlap * n)
    seller_ids = np.arange(n)
    buyer_ids = np.concatenate([np.arange(shared), np.arange(n, 2 * n - shared)])
    tables = []
    for ids in (buyer_ids, seller_ids):
        vals = _values(ids)
        tables.append(
            pd.DataFrame({k: np.where(rng.random(n) < FILL[k], vals[k], None) for k in KINDS})
        )
    return tables[0], tables[1]


def plaintext(buyer: pd.DataFrame, seller: pd.DataFrame) -> dict[str, int]:
    return {
        subset_name(s): len(set(subset_tokens(buyer, s)) & set(subset_tokens(seller, s)))
        for s in SUBSETS
    }


def true_combined(buyer: pd.DataFrame, seller: pd.DataFrame) -> int:
    hit = np.zeros(len(buyer), dtype=bool)
    for k in KINDS:
        hit |= buyer[k].isin(set(seller[k].dropna())).to_numpy() & buyer[k].notna().to_numpy()
    return int(hit.sum())


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the pool's workers)."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_once(
    buyer: pd.DataFrame, seller: pd.DataFrame, workers: int, folder: Path
) -> dict[str, object]:
    key = psi.new_key()
    marks = [(time.perf_counter(), _cpu())]
    record = make_request(buyer, folder / "request.mkov", buyer="buyer", key=key, workers=workers)
    marks.append((time.perf_counter(), _cpu()))
    make_answer(
        folder / "request.mkov", seller, folder / "answer.mkov", seller="seller", workers=workers
    )
    marks.append((time.perf_counter(), _cpu()))
    res = read_result(folder / "answer.mkov", record, key, workers)
    marks.append((time.perf_counter(), _cpu()))
    out: dict[str, object] = {
        "res": res,
        "request_mb": (folder / "request.mkov").stat().st_size / 1e6,
        "answer_mb": (folder / "answer.mkov").stat().st_size / 1e6,
    }
    for i, step in enumerate(("request", "answer", "result")):
        out[step] = marks[i + 1][0] - marks[i][0]
        out[f"{step}_cpu"] = marks[i + 1][1] - marks[i][1]
    return out


def ec_rates(seconds: float = 2.0) -> dict[str, float]:
    """Diffie-Hellman operations per second on one core, OpenSSL through ``cryptography``: P-256
    (the curve ``openmined.psi`` uses) and X25519 (the fastest curve OpenSSL offers). Each is one
    variable-base scalar multiplication, the unit of ECDH-PSI work; hashing to the curve and
    (de)serializing come on top, so these rates bound any ECDH-PSI from above."""
    from cryptography.hazmat.primitives.asymmetric import ec, x25519

    rates: dict[str, float] = {}
    p_key, p_peer = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    x_key = x25519.X25519PrivateKey.generate()
    x_peer = x25519.X25519PrivateKey.generate().public_key()
    ops = {
        "P-256": lambda: p_key.exchange(ec.ECDH(), p_peer.public_key()),
        "X25519": lambda: x_key.exchange(x_peer),
    }
    for name, op in ops.items():
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            for _ in range(500):
                op()
            n += 500
        rates[name] = n / (time.perf_counter() - t0)
    return rates


def print_floor(work: dict[str, int], singles: int, n: int, cores: int) -> None:
    """The least time each step can take at 1M x 1M on this machine's cores, from the EC rates."""
    rates = ec_rates()
    scale = 1_000_000 / n
    print(
        "floor at 1M x 1M (EC operations / (one core's rate x "
        f"{cores} cores); no hashing, no I/O, no Python):"
    )
    for name, rate in rates.items():
        per = {s: w * scale / (rate * cores) for s, w in work.items()}
        single = {
            "request": singles, "answer": 2 * singles, "result": singles
        }  # per-identifier tokens only (no combinations)
        per1 = {s: w * scale / (rate * cores) for s, w in single.items()}
        print(
            f"  {name:6s} {rate / 1000:5.1f}k ops/s/core: 15 subsets "
            + ", ".join(f"{s} {v:.0f} s" for s, v in per.items())
            + "; per identifier only "
            + ", ".join(f"{s} {v:.0f} s" for s, v in per1.items())
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000, help="customers per party")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--workers", type=int, default=psi.default_workers())
    ap.add_argument("--overlap", type=float, default=0.3)
    args = ap.parse_args()
    n = args.customers
    buyer, seller = make_parties(n, args.overlap)
    tokens_b = sum(len(subset_tokens(buyer, s)) for s in SUBSETS)
    tokens_s = sum(len(subset_tokens(seller, s)) for s in SUBSETS)
    singles_b = sum(int(buyer[k].notna().sum()) for k in KINDS)
    truth = plaintext(buyer, seller)
    combined_truth = true_combined(buyer, seller)
    load = os.getloadavg()
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            runs.append(run_once(buyer, seller, args.workers, Path(tmp)))
    res = runs[-1]["res"]  # type: ignore[assignment]
    assert res.per_subset == truth, (res.per_subset, truth)  # type: ignore[attr-defined]
    print(f"overlap bench: {n:,} x {n:,} customers, {args.workers} workers, repeat {args.repeat}")
    print(
        f"tokens per party (15 subsets): buyer {tokens_b:,}, seller {tokens_s:,} "
        f"({tokens_b / n:.2f} per customer; per-identifier only: {singles_b / n:.2f})"
    )
    print(
        f"message files: request {runs[-1]['request_mb']:.1f} MB, answer {runs[-1]['answer_mb']:.1f} MB"
    )
    # elliptic-curve operations per token: request 1 (buyer), answer 2 (seller, own + buyer's), result 1
    work = {"request": tokens_b, "answer": tokens_s + tokens_b, "result": tokens_b}
    print(
        f"load average before: {load[0]:.1f} on {os.cpu_count()} cores (a shared machine: wall time "
        "includes waiting for the CPU; cpu/workers is the time on idle cores)"
    )
    print_floor(work, singles_b, n, os.cpu_count() or 1)
    for step in ("request", "answer", "result"):
        med = statistics.median(float(r[step]) for r in runs)  # type: ignore[arg-type]
        cpu = statistics.median(float(r[f"{step}_cpu"]) for r in runs)  # type: ignore[arg-type]
        idle = cpu / args.workers
        line = (
            f"  {step:8s} wall {med:7.1f} s  cpu {cpu:7.1f} s  idle-core estimate {idle:7.1f} s  "
            f"{cpu / work[step] * 1e6:5.1f} cpu-us per EC op  ratio to {TARGET_S:.0f} s: {idle / TARGET_S:5.2f}"
        )
        if n < 1_000_000:
            line += f"  -> 1M x 1M: {idle * 1_000_000 / n:6.0f} s"
        print(line)
    print(
        f"per identifier: {res.per_identifier} (plaintext: "  # type: ignore[attr-defined]
        f"{ {k: truth[k] for k in KINDS} })"
    )
    print(
        f"combined: {res.combined} (true {combined_truth}; inclusion-exclusion of the plaintext "  # type: ignore[attr-defined]
        f"counts {inclusion_exclusion(truth)}; error {res.combined - combined_truth:+d}, "  # type: ignore[attr-defined]
        f"{(res.combined - combined_truth) / max(combined_truth, 1):+.4%})"
    )  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
