"""Hash-chained audit log: appends, chain checks and refusal of personal data."""
from __future__ import annotations

import json

import pytest

from migration_kit.errors import IntegrityError, ParamsError
from migration_kit.handover.audit import GENESIS, AuditLog, audit_head, canonical_json, verify_audit

H = "a" * 64
T = "2026-01-01T00:00:00+00:00"


def make_log(tmp_path, n: int = 4):
    log = AuditLog(tmp_path / "audit_log.jsonl")
    for i in range(n):
        log.append(f"step{i}", {"in.parquet": H}, {"out.parquet": "b" * 64}, {"rows": i}, H, user="analyst", time=T)
    return log.path


def test_chain_links_every_line(tmp_path):
    path = make_log(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    entries = verify_audit(path)
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    assert entries[0]["prev_hash"] == GENESIS
    import hashlib
    for prev_line, entry in zip(lines, entries[1:]):
        assert entry["prev_hash"] == hashlib.sha256(prev_line.encode()).hexdigest()
    assert all(canonical_json(e) == line for e, line in zip(entries, lines))
    assert audit_head(path) == {"entries": 4, "last_entry_hash": entries[-1]["entry_hash"]}


def _edit(lines, i):
    e = json.loads(lines[i])
    e["counts"]["rows"] = 99
    lines[i] = canonical_json(e)


def _edit_and_rehash(lines, i):
    """A forger who recomputes entry_hash is still caught by the next line's prev_hash."""
    import hashlib
    e = json.loads(lines[i])
    e["counts"]["rows"] = 99
    del e["entry_hash"]
    e["entry_hash"] = hashlib.sha256(canonical_json(e).encode()).hexdigest()
    lines[i] = canonical_json(e)


def _reformat(lines, i):
    lines[i] = json.dumps(json.loads(lines[i]), indent=1).replace("\n", " ")


@pytest.mark.parametrize("mutate, match", [
    (lambda ls: ls.pop(1), r"line 2: prev_hash does not match"),
    (lambda ls: ls.pop(0), r"line 1: prev_hash does not match"),
    (lambda ls: ls.insert(1, ls.pop(2)), r"line 2: prev_hash does not match"),
    (lambda ls: ls.append(ls[1]), r"line 5: prev_hash does not match"),
    (lambda ls: _edit(ls, 2), r"line 3: entry_hash does not match"),
    (lambda ls: _edit_and_rehash(ls, 1), r"line 3: prev_hash does not match"),
    (lambda ls: _reformat(ls, 0), r"line 1: the line is not in canonical form"),
    (lambda ls: ls.__setitem__(3, ls[3][:-5]), r"line 4: not valid JSON"),
])
def test_tampering_names_the_line(tmp_path, mutate, match):
    path = make_log(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    mutate(lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(IntegrityError, match=match):
        verify_audit(path)


def test_truncated_last_line_and_broken_chain_block_appends(tmp_path):
    path = make_log(tmp_path, 2)
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(IntegrityError, match="last line is incomplete"):
        verify_audit(path)
    path.write_text(path.read_text(encoding="utf-8").replace('"rows":1', '"rows":7') + "\n", encoding="utf-8")
    with pytest.raises(IntegrityError, match="line 2: entry_hash"):
        AuditLog(path).append("next", {}, {}, {}, H, user="u", time=T)


@pytest.mark.parametrize("kwargs, where, match", [
    ({"inputs": {"members.csv": "13812345678"}}, "audit.inputs.members.csv", "not a lowercase SHA-256"),
    ({"outputs": {"name": "王小明"}}, "audit.outputs.name", "never its content"),
    ({"counts": {"rows": "12"}}, "audit.counts.rows", "counts must be integers"),
    ({"counts": {"rows": True}}, "audit.counts.rows", "counts must be integers"),
    ({"step": "phone=138 1234\n"}, "audit.step", "names, hashes and counts only"),
    ({"params_hash": "xyz"}, "audit.params_hash", "not a lowercase SHA-256"),
])
def test_entries_refuse_values_that_could_be_personal(tmp_path, kwargs, where, match):
    args = {"step": "intake", "inputs": {}, "outputs": {}, "counts": {}, "params_hash": H, "user": "u", "time": T}
    args.update(kwargs)
    with pytest.raises(ParamsError, match=match) as info:
        AuditLog(tmp_path / "a.jsonl").append(**args)
    assert info.value.where == where
    assert not (tmp_path / "a.jsonl").exists()


def test_missing_log_is_an_error(tmp_path):
    with pytest.raises(IntegrityError, match="audit log not found"):
        verify_audit(tmp_path / "nope.jsonl")
