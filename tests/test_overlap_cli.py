"""End to end through the CLI on generated parties: synth --buyer-overlap, both parties' dedupe,
request / answer / result; counts against the truth; nothing readable in the exchanged files."""
from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest

from migration_kit.cli import main
from migration_kit.handover.audit import verify_audit
from tests.conftest import personal_values, plaintext_hits

PARTIES = [(400, 3, 0.25), (400, 11, 0.5)]


def _exchange(base: Path, entities: int, seed: int, rate: float) -> dict:
    seller = base / "seller"
    assert main(["synth", "--entities", str(entities), "--seed", str(seed), "--out", str(seller),
                 "--buyer-overlap", str(rate)]) == 0
    buyer_params, seller_params = seller / "buyer" / "params.yaml", seller / "params.yaml"
    rb, rs = base / "runs-buyer", base / "runs-seller"
    assert main(["overlap", "request", str(buyer_params), "--out", str(base / "request.mkov"),
                 "--runs-dir", str(rb), "--run-id", "b1", "--workers", "2"]) == 0
    assert main(["overlap", "answer", str(seller_params), str(base / "request.mkov"),
                 "--out", str(base / "answer.mkov"), "--runs-dir", str(rs), "--run-id", "s1"]) == 0
    assert main(["overlap", "result", str(buyer_params), str(base / "answer.mkov"),
                 "--runs-dir", str(rb)]) == 0  # run found by the answer's request id
    return {
        "base": base,
        "buyer_params": buyer_params,
        "buyer_run": rb / "rehearsal-buyer" / "b1",
        "seller_run": rs / "rehearsal" / "s1",
        "truth": json.loads((seller / "buyer" / "overlap_truth.json").read_text()),
    }


@pytest.fixture(scope="module", params=PARTIES, ids=lambda p: f"{p[0]}x{p[1]}@{p[2]}")
def parties(request, tmp_path_factory):
    return _exchange(tmp_path_factory.mktemp("overlap"), *request.param)


def _result(parties) -> dict:
    return json.loads((parties["buyer_run"] / "reports" / "overlap_result.json").read_text())


def test_per_identifier_counts_equal_the_truth(parties):
    assert _result(parties)["per_identifier"] == parties["truth"]["per_identifier"]


def test_combined_within_one_percent_of_the_true_share(parties):
    res, truth = _result(parties), parties["truth"]
    shared = truth["shared_at_least_one_identifier"]
    assert shared == truth["shared_customers"] > 0
    assert abs(res["combined"] - shared) <= 0.01 * shared
    assert res["combined_low"] <= shared <= res["combined_high"]


def test_each_party_counts_its_customers_once(parties):
    res = _result(parties)
    # dedupe first: the buyer's crm and app records of one customer are one golden customer
    truth_rows = (parties["buyer_params"].parent / "truth.csv").read_text().splitlines()[1:]
    records = len(truth_rows)
    customers = len({row.split(",")[2] for row in truth_rows})
    assert records > customers
    assert abs(res["buyer_customers"] - customers) <= 0.01 * customers


def _hash_forms(value: str) -> set[bytes]:
    raw = value.encode("utf-8")
    forms = {raw}
    for algo in ("sha256", "sha1", "md5"):
        h = hashlib.new(algo, raw)
        forms |= {h.digest(), h.hexdigest().encode(), h.hexdigest().upper().encode()}
    return forms


def _found(blob: bytes, needles: set[bytes]) -> set[bytes]:
    found = set()
    for length in sorted({len(n) for n in needles}):
        windows = {blob[i:i + length] for i in range(len(blob) - length + 1)}
        found |= {n for n in needles if len(n) == length and n in windows}
    return found


def test_no_identifier_and_no_hash_of_one_in_the_exchanged_files(parties):
    values = personal_values(parties["buyer_run"]) | personal_values(parties["seller_run"])
    phones_emails = {v for v in values if "@" in v or v.lstrip("+").isdigit()}
    phones_emails |= {v.lower() for v in phones_emails} | {v.upper() for v in phones_emails}
    assert len(phones_emails) > 500
    needles = set().union(*(_hash_forms(v) for v in phones_emails))
    blob = b"".join((parties["base"] / f).read_bytes() for f in ("request.mkov", "answer.mkov"))
    assert _found(blob, needles) == set()
    # the scan finds a hash when there is one
    probe = sorted(phones_emails)[0]
    planted = blob + hashlib.sha1(probe.encode()).hexdigest().encode()
    assert _found(planted, needles) == {hashlib.sha1(probe.encode()).hexdigest().encode()}


def test_the_key_stays_in_the_buyers_work_folder(parties):
    key_file = parties["buyer_run"] / "work" / "overlap_key.bin"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_bytes()
    assert len(key) == 32
    for f in ("request.mkov", "answer.mkov"):
        assert key not in (parties["base"] / f).read_bytes()
    assert not list(parties["seller_run"].rglob("overlap_key*"))  # the seller's key: memory only


@pytest.mark.parametrize(("run", "steps"), [
    ("buyer_run", ["overlap_request", "overlap_result"]),
    ("seller_run", ["overlap_answer"]),
])
def test_each_step_is_in_that_partys_audit_log(parties, run, steps):
    entries = verify_audit(parties[run] / "audit_log.jsonl")
    assert [e["step"] for e in entries if e["step"].startswith("overlap_")] == steps
    assert [e["step"] for e in entries][:3] == ["intake", "clean", "link"]


@pytest.mark.parametrize("run", ["buyer_run", "seller_run"])
def test_every_file_is_declared_and_none_shown_holds_personal_data(parties, run):
    assert plaintext_hits(parties[run]) == {}


def test_what_the_seller_learns_is_sizes_only(parties):
    seen = json.loads((parties["seller_run"] / "reports" / "overlap_answer.json").read_text())
    assert sorted(seen) == ["buyer", "customers", "request_id", "set_sizes"]
    assert "shared" not in json.dumps(seen)


@pytest.mark.parametrize(("args", "message"), [
    (["result", "{buyer}", "{base}/request.mkov", "--runs-dir", "{base}/runs-buyer",
      "--run-id", "b1"], "is the request message; expected the answer"),
    (["answer", "{buyer}", "{base}/answer.mkov", "--out", "{base}/x.mkov",
      "--runs-dir", "{base}/rx"], "is the answer message; expected the request"),
    (["result", "{buyer}", "{base}/answer.mkov", "--runs-dir", "{base}/elsewhere"],
     "which no run of 'rehearsal-buyer'"),
])
def test_user_errors_are_one_line(parties, capsys, args, message):
    fmt = {"buyer": parties["buyer_params"], "base": parties["base"]}
    capsys.readouterr()
    assert main(["overlap", *[a.format(**fmt) for a in args]]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize(("extra", "message"), [
    (["--shape", "webshop_en", "--buyer-overlap", "0.2"], "needs the retail_cn shape"),
    (["--buyer-overlap", "0.9"], "use at most"),
])
def test_synth_refuses_a_buyer_it_cannot_make(tmp_path, capsys, extra, message):
    code = main(["synth", "--entities", "100", "--out", str(tmp_path / "s"), *extra])
    assert code != 0
    captured = capsys.readouterr()
    assert message in captured.err + captured.out
