"""The three steps on tables and the message files: counts, self-description, validation."""
from __future__ import annotations

import json
import struct

import pandas as pd
import pytest

from migration_kit.errors import OverlapMessageError
from migration_kit.overlap import psi
from migration_kit.overlap.estimate import SUBSET_NAMES
from migration_kit.overlap.identifiers import KINDS, SUBSETS, subset_name, subset_tokens
from migration_kit.overlap.protocol import (
    FORMAT,
    MAGIC,
    VERSION,
    make_answer,
    make_request,
    read_message,
    read_result,
    write_message,
)


def _table(rows):
    return pd.DataFrame([{k: r.get(k) for k in KINDS} for r in rows], columns=list(KINDS))


BUYER = _table([
    {"phone": "+8613800000001", "email": "a@x.cn", "name_birth": "王伟|1990-03-05"},
    {"phone": "+8613800000002", "id_number": "110105194912310029"},
    {"email": "c@x.cn"},
    {"phone": "+8613800000004", "email": "d@x.cn", "id_number": "11010519491231004X",
     "name_birth": "李娜|1985-12-12"},
])
SELLER = _table([
    {"phone": "+8613800000001", "email": "a@x.cn"},
    {"phone": "+8613800000002", "id_number": "110105194912310029", "name_birth": "张三|1970-01-01"},
    {"phone": "+8613800000004", "email": "d@x.cn", "id_number": "11010519491231004X",
     "name_birth": "李娜|1985-12-12"},
    {"email": "z@x.cn"},
])


@pytest.fixture
def exchange(tmp_path):
    key = psi.new_key()
    record = make_request(BUYER, tmp_path / "req.mkov", buyer="buyer-co", key=key,
                          seller="seller-co")
    make_answer(tmp_path / "req.mkov", SELLER, tmp_path / "ans.mkov", seller="seller-co")
    return tmp_path, key, record


def test_counts_equal_the_plaintext_intersections(exchange):
    tmp, key, record = exchange
    res = read_result(tmp / "ans.mkov", record, key)
    plain = {subset_name(s): len(set(subset_tokens(BUYER, s)) & set(subset_tokens(SELLER, s)))
             for s in SUBSETS}
    assert res.per_subset == plain
    assert res.per_identifier == {"phone": 3, "email": 2, "id_number": 2, "name_birth": 1}
    assert res.combined == 3  # customers 0, 1 and 3; customer 2 (c@x.cn) is not the seller's
    assert (res.buyer_customers, res.seller_customers) == (4, 4)
    assert res.combined_low <= res.combined <= res.combined_high


@pytest.mark.parametrize(("step", "who"), [("request", "buyer"), ("answer", "seller")])
def test_messages_describe_themselves(exchange, step, who):
    tmp = exchange[0]
    msg = read_message(tmp / ("req.mkov" if step == "request" else "ans.mkov"), step=step)
    h = msg.header
    assert (h["format"], h["version"], h["step"]) == (FORMAT, VERSION, step)
    assert h["from"]["role"] == who and h["from"]["party"] == f"{who}-co"
    assert h["kinds"] == list(KINDS) and h["subsets"] == list(SUBSET_NAMES)
    assert h["psi"]["data_structure"] == "raw" and h["psi"]["curve"] == "P-256"
    assert len(h["request_id"]) == 32
    assert sorted(h["set_sizes"]) == (["buyer"] if step == "request" else ["buyer", "seller"])
    assert sum(len(v) for v in msg.sections.values()) == sum(n for _, n in h["sections"])


def _rewrite(path, **changes):
    """Rewrite a message with header changes, keeping it well-formed (hash recomputed)."""
    msg = read_message(path, step=json.loads(_header_bytes(path))["step"])
    write_message(path, {**msg.header, **changes}, msg.sections)


def _header_bytes(path) -> bytes:
    data = path.read_bytes()
    (n,) = struct.unpack(">I", data[len(MAGIC):len(MAGIC) + 4])
    return data[len(MAGIC) + 4:len(MAGIC) + 4 + n]


def _rewrite_raw(path, **changes):
    """Change the header as written (no recomputation: a hand-edited file)."""
    data = path.read_bytes()
    head = _header_bytes(path)
    new = json.dumps({**json.loads(head), **changes}).encode()
    start = len(MAGIC) + 4
    path.write_bytes(MAGIC + struct.pack(">I", len(new)) + new + data[start + len(head):])


def _flip_last_byte(path):
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))


TAMPER = {
    "answer_payload_flipped": ("ans.mkov", _flip_last_byte, "payload SHA-256 does not match"),
    "answer_truncated": ("ans.mkov", lambda p: p.write_bytes(p.read_bytes()[:-40]),
                         "payload SHA-256 does not match"),
    "not_a_message": ("ans.mkov", lambda p: p.write_bytes(b"phone,email\n"), "not a migration-kit"),
    "other_version": ("ans.mkov", lambda p: _rewrite_raw(p, version=99), "version 99"),
    "other_request_id": ("ans.mkov", lambda p: _rewrite(p, request_id="0" * 32), "answers request"),
    "answer_to_an_altered_request": (
        "ans.mkov", lambda p: _rewrite(p, request_sha256="0" * 64), "whose SHA-256 is not"),
    "sections_not_pairs": ("ans.mkov", lambda p: _rewrite_raw(p, sections=[["x"]]),
                           "sections must be"),
    "sizes_do_not_match_sections": (
        "ans.mkov",
        lambda p: _rewrite(p, set_sizes={
            "buyer": read_message(p, step="answer").header["set_sizes"]["buyer"],
            "seller": {n: 1000 for n in SUBSET_NAMES}}),
        "points; the sizes say"),
}


@pytest.mark.parametrize("case", list(TAMPER))
def test_a_wrong_answer_is_refused_naming_why(exchange, case):
    tmp, key, record = exchange
    name, tamper, match = TAMPER[case]
    tamper(tmp / name)
    with pytest.raises(OverlapMessageError, match=match):
        read_result(tmp / "ans.mkov", record, key)


def test_the_request_is_not_an_answer(exchange):
    tmp, key, record = exchange
    with pytest.raises(OverlapMessageError, match="is the request message; expected the answer"):
        read_result(tmp / "req.mkov", record, key)


def test_an_answer_is_not_a_request(exchange):
    tmp = exchange[0]
    with pytest.raises(OverlapMessageError, match="is the answer message; expected the request"):
        make_answer(tmp / "ans.mkov", SELLER, tmp / "again.mkov", seller="s")


def test_an_altered_request_is_refused_by_the_seller(exchange):
    tmp = exchange[0]
    _flip_last_byte(tmp / "req.mkov")
    with pytest.raises(OverlapMessageError, match="payload SHA-256"):
        make_answer(tmp / "req.mkov", SELLER, tmp / "again.mkov", seller="s")
    assert not (tmp / "again.mkov").exists()


def test_an_answer_to_another_request_of_the_same_buyer_is_refused(tmp_path):
    key = psi.new_key()
    first = make_request(BUYER, tmp_path / "r1", buyer="b", key=key)
    make_request(BUYER, tmp_path / "r2", buyer="b", key=key)
    make_answer(tmp_path / "r2", SELLER, tmp_path / "a2", seller="s")
    with pytest.raises(OverlapMessageError, match="not this buyer's request"):
        read_result(tmp_path / "a2", first, key)
