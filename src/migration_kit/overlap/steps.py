"""The overlap steps on each party's own run folder: golden customers first, then the messages.

Each party works in its own run folder (``runs/<client>/<run_id>/``): its intake, cleaning and
dedupe give one golden customer per person (:func:`prepare`), so a customer counts once, not once
per record. The buyer's PSI key is written to its ``work/`` (0600, purged with the work files);
the seller's exists only in memory during :func:`answer`. Every step appends to that party's
audit log (hashes of the files and counts only).

:func:`rehearsal_parties` and the ``*_step`` functions walk both parties of a rehearsal through
the three steps in one process (notebook ``08_overlap``); a client without a buyer rehearsal set
(``params/<name>_buyer.yaml``) skips them.

Example
-------
>>> buyer = prepare("params/rehearsal_buyer.yaml", runs_dir="/tmp/runs")      # doctest: +SKIP
>>> request(buyer, Path("request.mkov"))                                      # doctest: +SKIP
{'customers': 2001, 'buyer.phone': 1946, ...}
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import MigrationKitError, OverlapMessageError
from ..pipeline import RunContext, StepResult, open_run, step_clean, step_intake, step_link
from ..runfolder import atomic_write_bytes
from . import psi
from .estimate import SUBSET_NAMES
from .identifiers import KINDS, Identifiers, customer_identifiers
from .protocol import (
    OverlapResult,
    RequestRecord,
    make_answer,
    make_request,
    read_message,
    read_result,
)

__all__ = [
    "Parties",
    "answer",
    "answer_step",
    "buyer_params",
    "find_request_run",
    "identifiers",
    "parties_table",
    "prepare",
    "rehearsal_parties",
    "request",
    "request_step",
    "result",
    "result_step",
    "steps_table",
    "truth_check",
]


def prepare(
    params_file: str | Path, *, runs_dir: str | Path = "runs", run_id: str | None = None
) -> RunContext:
    """Open the party's run and make its golden customers (intake, cleaning, dedupe), unless the
    run already has them.

    Example
    -------
    >>> ctx = prepare("params/rehearsal.yaml", runs_dir="/tmp/runs", run_id="o")  # doctest: +SKIP
    >>> ctx.run.exists("golden")                                                 # doctest: +SKIP
    True
    """
    ctx = open_run(params_file, run_id=run_id, runs_dir=runs_dir)
    if not ctx.run.exists("golden"):
        step_intake(ctx)
        step_clean(ctx)
        step_link(ctx)
    return ctx


def identifiers(ctx: RunContext) -> Identifiers:
    """The party's normalized identifier values per golden customer: its golden record's and its
    linked records' (in memory only).

    Example
    -------
    >>> identifiers(ctx).customers                                               # doctest: +SKIP
    2007
    """
    import pyarrow.parquet as pq

    cols = ["full_name", "birth_date", "phone", "email", "id_number"]

    def read(name: str, keys: list[str]) -> pd.DataFrame:
        path = ctx.run.file(name)
        have = set(pq.read_schema(path).names)
        return pd.read_parquet(path, columns=[c for c in keys + cols if c in have])

    return customer_identifiers(
        read("golden", ["entity_id"]),
        read("std", ["source", "record_id"]),
        ctx.run.read_table("entities"),
    )


def _workers(workers: int | None) -> int:
    return psi.default_workers() if workers is None else max(1, int(workers))


def request(
    ctx: RunContext, out: Path, *, seller: str | None = None, workers: int | None = None
) -> StepResult:
    """Step 1, the buyer: write the request to ``out``; keep the key in ``work/`` and the
    request's record (id, file hash, sizes) in ``reports/``.

    Example
    -------
    >>> request(buyer_ctx, Path("request.mkov"))["customers"]                     # doctest: +SKIP
    2001
    """
    run = ctx.run
    table = identifiers(ctx)
    key = psi.new_key()
    atomic_write_bytes(run.file("overlap_key"), key)  # created 0600 by atomic_path
    os.chmod(run.file("overlap_key"), 0o600)
    record = make_request(
        table, Path(out), buyer=ctx.params.client, key=key, seller=seller, workers=_workers(workers)
    )
    run.write_json("overlap_request_record", record.to_dict())
    counts = {"customers": record.customers}
    counts.update({f"buyer.{n}": record.set_sizes[n] for n in SUBSET_NAMES})
    ctx.audit(
        "overlap_request",
        {"golden": run.file("golden")},
        {"request": Path(out), "record": run.file("overlap_request_record")},
        counts,
    )
    return dict(counts)


def answer(
    ctx: RunContext, request_file: Path, out: Path, *, workers: int | None = None
) -> StepResult:
    """Step 2, the seller: answer ``request_file`` into ``out``; what it learns (the buyer's set
    sizes) goes to ``reports/`` and the audit log.

    Example
    -------
    >>> answer(seller_ctx, Path("request.mkov"), Path("answer.mkov"))             # doctest: +SKIP
    {'customers': 2007, 'buyer_customers': 2001, ...}
    """
    run = ctx.run
    header = make_answer(
        Path(request_file),
        identifiers(ctx),
        Path(out),
        seller=ctx.params.client,
        workers=_workers(workers),
    )
    sizes = header["set_sizes"]
    customers = header["customers"]
    assert isinstance(sizes, dict) and isinstance(customers, dict)
    summary = {
        "request_id": header["request_id"],
        "buyer": header["to"],
        "customers": customers,
        "set_sizes": sizes,
    }
    run.write_json("overlap_answer_record", summary)
    counts: dict[str, int] = {
        "customers": int(customers["seller"]),  # type: ignore[arg-type]
        "buyer_customers": int(customers["buyer"] or 0),  # type: ignore[arg-type]
    }
    for who in ("buyer", "seller"):
        part = sizes[who]
        assert isinstance(part, dict)
        counts.update({f"{who}.{n}": int(part[n]) for n in SUBSET_NAMES})  # type: ignore[arg-type]
    ctx.audit(
        "overlap_answer",
        {"golden": run.file("golden"), "request": Path(request_file)},
        {"answer": Path(out), "record": run.file("overlap_answer_record")},
        counts,
    )
    return dict(counts)


def result(ctx: RunContext, answer_file: Path, *, workers: int | None = None) -> OverlapResult:
    """Step 3, the buyer: count, from the answer and the key its request step kept.

    Raises
    ------
    OverlapMessageError
        This run made no request, or the answer belongs to another request.

    Example
    -------
    >>> result(buyer_ctx, Path("answer.mkov")).per_identifier["phone"]           # doctest: +SKIP
    570
    """
    run = ctx.run
    if not (run.exists("overlap_request_record") and run.exists("overlap_key")):
        raise OverlapMessageError(
            f"{run.root}: this run made no overlap request (no request record or key in it); "
            "give the --run-id of the request step"
        )
    record = RequestRecord.from_dict(run.read_json("overlap_request_record"))
    key = run.file("overlap_key").read_bytes()
    res = read_result(Path(answer_file), record, key, _workers(workers))
    run.write_json("overlap_result", res.to_dict())
    counts = {f"shared.{n}": v for n, v in res.per_subset.items()}
    counts.update(
        combined=res.combined,
        combined_low=res.combined_low,
        combined_high=res.combined_high,
        seller_customers=res.seller_customers,
    )
    ctx.audit(
        "overlap_result",
        {"answer": Path(answer_file), "record": run.file("overlap_request_record")},
        {"result": run.file("overlap_result")},
        counts,
    )
    return res


def find_request_run(
    params_file: str | Path, answer_file: Path, *, runs_dir: str | Path = "runs"
) -> str:
    """The buyer's run id whose request ``answer_file`` answers (searched in its runs folder).

    Raises
    ------
    OverlapMessageError
        No run of this client made that request.

    Example
    -------
    >>> find_request_run("params/b.yaml", Path("answer.mkov"), runs_dir="/tmp/r")  # doctest: +SKIP
    '20261202T103000Z'
    """
    from ..artifacts import ARTIFACTS
    from ..params import load_params

    wanted = read_message(Path(answer_file), step="answer").header.get("request_id")
    client = load_params(params_file).client
    rel = ARTIFACTS["overlap_request_record"].path
    for folder in sorted((Path(runs_dir) / client).glob("*"), reverse=True):
        rec = folder / rel
        if (
            rec.is_file()
            and json.loads(rec.read_text(encoding="utf-8")).get("request_id") == wanted
        ):
            return folder.name
    raise OverlapMessageError(
        f"{answer_file}: answers request {wanted!r}, which no run of {client!r} under "
        f"{runs_dir} made; give --run-id of the request step or --runs-dir"
    )


# -- both parties of a rehearsal, for the notebook ----------------------------------------------
@dataclass(frozen=True)
class Parties:
    """Seller and buyer runs of one rehearsal, and where their messages go."""

    seller: RunContext
    buyer: RunContext | None
    truth: Path | None

    @property
    def request_file(self) -> Path:
        """The request, in the buyer's run folder."""
        if self.buyer is None:
            raise MigrationKitError("no buyer rehearsal set: no request")
        return self.buyer.run.file("overlap_request_message")

    @property
    def answer_file(self) -> Path:
        """The answer, in the seller's run folder."""
        return self.seller.run.file("overlap_answer_message")


def buyer_params(params_file: str | Path) -> Path | None:
    """The buyer rehearsal params beside a seller's (``<stem>_buyer.yaml``), if there is one.

    Example
    -------
    >>> buyer_params("params/rehearsal.yaml").name
    'rehearsal_buyer.yaml'
    >>> buyer_params("params/client_b.yaml") is None
    True
    """
    p = Path(params_file)
    candidate = p.with_name(f"{p.stem}_buyer{p.suffix}")
    return candidate if candidate.is_file() else None


def rehearsal_parties(
    params_file: str | Path, *, runs_dir: str | Path = "runs", run_id: str | None = None
) -> Parties:
    """Both parties' runs (golden customers made if missing); the buyer is None when the seller
    has no buyer rehearsal set.

    Example
    -------
    >>> p = rehearsal_parties("params/rehearsal.yaml", runs_dir="/tmp/r")          # doctest: +SKIP
    >>> p.buyer.params.client                                                    # doctest: +SKIP
    'rehearsal-buyer'
    """
    seller = prepare(params_file, runs_dir=runs_dir, run_id=run_id)
    bp = buyer_params(params_file)
    if bp is None:
        return Parties(seller=seller, buyer=None, truth=None)
    buyer = prepare(bp, runs_dir=runs_dir, run_id=seller.run.run_id)
    first = buyer.params.sources[0].path
    truth = Path(first).parent / "overlap_truth.json"
    return Parties(seller=seller, buyer=buyer, truth=truth if truth.is_file() else None)


def parties_table(parties: Parties) -> pd.DataFrame:
    """Role, client and golden customers of each party (what each holds before the exchange).

    Example
    -------
    >>> parties_table(parties)["role"].tolist()                                  # doctest: +SKIP
    ['seller', 'buyer']
    """
    rows = [("seller (PSI server)", parties.seller)]
    if parties.buyer is not None:
        rows.append(("buyer (PSI client)", parties.buyer))
    import pyarrow.parquet as pq

    return pd.DataFrame(
        [
            (role, c.params.client, pq.ParquetFile(c.run.file("golden")).metadata.num_rows)
            for role, c in rows
        ],
        columns=["role", "client", "golden_customers"],
    )


def steps_table(parties: Parties) -> pd.DataFrame:
    """The overlap entries of both parties' audit logs: party, step, files hashed, counts kept.

    Example
    -------
    >>> steps_table(parties)["step"].tolist()                                     # doctest: +SKIP
    ['overlap_request', 'overlap_answer', 'overlap_result']
    """
    from ..handover.audit import verify_audit

    rows = []
    parts = [("buyer", parties.buyer), ("seller", parties.seller)]
    for who, c in parts:
        if c is None:
            continue
        for entry in verify_audit(c.run.file("audit_log")):
            if str(entry["step"]).startswith("overlap_"):
                rows.append(
                    (
                        who,
                        entry["step"],
                        len(entry["inputs"]) + len(entry["outputs"]),
                        len(entry["counts"]),
                    )
                )
    order = {"overlap_request": 0, "overlap_answer": 1, "overlap_result": 2}
    df = pd.DataFrame(rows, columns=["party", "step", "files_hashed", "counts"])
    df = df.drop_duplicates(["party", "step"], keep="last")  # a rerun appends again
    return df.sort_values("step", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


_SKIPPED: StepResult = {"skipped": "no buyer rehearsal set for this client"}


def request_step(parties: Parties, *, workers: int | None = None) -> StepResult:
    """The buyer's request, written into its run folder (skipped without a buyer)."""
    if parties.buyer is None:
        return dict(_SKIPPED)
    return request(
        parties.buyer,
        parties.request_file,
        seller=parties.seller.params.client,
        workers=workers,
    )


def answer_step(parties: Parties, *, workers: int | None = None) -> StepResult:
    """The seller's answer, written into its run folder (skipped without a buyer)."""
    if parties.buyer is None:
        return dict(_SKIPPED)
    return answer(parties.seller, parties.request_file, parties.answer_file, workers=workers)


def result_step(parties: Parties, *, workers: int | None = None) -> pd.DataFrame:
    """The buyer's result as a table (per identifier and combined; empty without a buyer)."""
    if parties.buyer is None:
        return pd.DataFrame(columns=["identifier", "shared", "buyer_set", "seller_set"])
    return result(parties.buyer, parties.answer_file, workers=workers).table()


def truth_check(parties: Parties) -> pd.DataFrame:
    """The buyer's result beside the rehearsal truth (``overlap_truth.json``), per identifier and
    combined; empty without a buyer or a truth file.

    Example
    -------
    >>> truth_check(parties)["difference"].tolist()                               # doctest: +SKIP
    [0, 0, 0, 0, 0]
    """
    cols = ["identifier", "estimate", "truth", "difference"]
    if parties.buyer is None or parties.truth is None:
        return pd.DataFrame(columns=cols)
    res = parties.buyer.run.read_json("overlap_result")
    truth = json.loads(parties.truth.read_text(encoding="utf-8"))
    rows = [(k, res["per_identifier"][k], truth["per_identifier"][k]) for k in KINDS]
    rows.append(
        (
            "at least one (customers)",
            res["combined"],
            truth["shared_at_least_one_identifier"],
        )
    )
    df = pd.DataFrame(rows, columns=cols[:3])
    df["difference"] = df["estimate"] - df["truth"]
    return df
