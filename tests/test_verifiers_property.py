"""Property tests of the verifiers: random edits of an audit log, a ledger or a manifest are always
caught, and no input ends in a traceback (only IntegrityError / a problem list)."""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migration_kit.errors import IntegrityError
from migration_kit.handover.audit import AuditLog, verify_audit
from migration_kit.handover.verify import verify_handover
from tests.test_handover_export import build_handover
from tests.test_handover_keys import keyset

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def audit_lines(tmp_path_factory) -> list[str]:
    path = tmp_path_factory.mktemp("audit") / "audit_log.jsonl"
    log = AuditLog(path)
    for i, step in enumerate(["backup", "intake", "clean", "link", "scope"]):
        log.append(step, {"in.csv": "a" * 64}, {"out.parquet": "b" * 64}, {"rows": i}, "c" * 64,
                   user="analyst", time=f"2026-12-0{i + 1}T00:00:00+00:00")
    return path.read_text(encoding="utf-8").splitlines()


# an edit: (kind, line index, position, character)
EDITS = st.tuples(st.sampled_from(["flip", "delete", "swap", "duplicate", "truncate"]),
                  st.integers(0, 4), st.integers(0, 400), st.characters(blacklist_categories=("Cs",)))


def _edit(lines: list[str], kind: str, i: int, pos: int, ch: str) -> list[str]:
    out = list(lines)
    if kind == "flip":
        line = out[i]
        pos %= len(line)
        if line[pos] == ch:
            ch = "#" if ch != "#" else "%"
        out[i] = line[:pos] + ch + line[pos + 1:]
    elif kind == "delete":
        del out[i]
    elif kind == "swap":
        j = (i + 1) % len(out)
        out[i], out[j] = out[j], out[i]
    elif kind == "duplicate":
        out.insert(i, out[i])
    else:
        out[i] = out[i][: pos % max(len(out[i]), 1)]
    return out


@SETTINGS
@given(EDITS)
def test_every_edit_of_the_audit_log_is_caught(tmp_path, audit_lines, edit):
    lines = _edit(audit_lines, *edit)
    if lines == audit_lines or (edit[0] == "delete" and edit[1] == len(audit_lines) - 1):
        return  # no change, or the last entry removed (a shorter chain is checked by its head)
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / "audit_log.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(IntegrityError):
        verify_audit(path)


@pytest.fixture(scope="module")
def handover(tmp_path_factory) -> Path:
    out, _ = build_handover(tmp_path_factory.mktemp("h"))
    return out


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@SETTINGS
@given(JSONISH)
def test_any_manifest_gives_problems_never_a_traceback(tmp_path, handover, manifest):
    folder = Path(tempfile.mkdtemp(dir=tmp_path)) / "h"
    shutil.copytree(handover, folder)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = verify_handover(folder, keyset() / "seller.pem")
    assert not report.ok and report.problems


@SETTINGS
@given(st.integers(0, 10_000), st.integers(1, 255))
def test_any_flipped_byte_of_a_part_is_caught(tmp_path, handover, at, xor):
    folder = Path(tempfile.mkdtemp(dir=tmp_path)) / "h"
    shutil.copytree(handover, folder)
    part = sorted(folder.glob("customers.part*.csv.cms"))[0]
    blob = bytearray(part.read_bytes())
    blob[at % len(blob)] ^= xor
    part.write_bytes(bytes(blob))
    report = verify_handover(folder, keyset() / "seller.pem")
    assert not report.ok and any(part.name in p for p in report.problems)
