"""lookup(): what happened to one person's data, from a run folder; and the CLI command."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from migration_kit.errors import ScopingError
from migration_kit.scoping import PolicySpec, build_roster
from migration_kit.cli import lookup_command
from migration_kit.scoping.lookup import DISPOSITIONS_FILE, ENTITIES_FILE, ROSTER_FILE, STD_FILE, lookup
from tests.test_scoping_decide import T, make_data, make_deal, run


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    (root / "work").mkdir()
    std, entities, golden, _ = make_data()
    res = run("merger")
    policy = PolicySpec.from_dict({"transfer_date": T.isoformat()})
    std.to_parquet(root / STD_FILE)
    entities.to_parquet(root / ENTITIES_FILE)
    res.record_dispositions.to_parquet(root / DISPOSITIONS_FILE)
    build_roster(golden, res.entity_dispositions, policy, make_deal()).to_parquet(root / ROSTER_FILE)
    return root


LOOKUP_CASES = [  # query, expected rows (source, record_id, disposition, golden_id, notified)
    ({"phone": "138 0000 0001"}, [("pos", "1", "transferred", "E1", True), ("web", "1", "merged", "E1", True)]),
    ({"email": "ZHANGSAN@163.COM"}, [("web", "1", "merged", "E1", True)]),
    ({"id_number": "11010519900101123x"}, [("pos", "1", "transferred", "E1", True)]),
    ({"email": "qq7@qq.com"}, [("school", "2", "excluded", None, False)]),
    ({"phone": "+86 138 0000 0008"}, [("web", "4", "excluded", None, False)]),
    ({"email": "anna@example.de", "phone": "13800000002"},
     [("pos", "2", "excluded", None, False), ("web", "2", "transferred", "E4", True)]),
    ({"phone": "13899999999"}, []),
]


@pytest.mark.parametrize("query,expected", LOOKUP_CASES)
def test_lookup(run_dir, query, expected):
    out = lookup(run_dir, **query)
    got = [(r.source, r.record_id, r.disposition, r.golden_id if isinstance(r.golden_id, str) else None, bool(r.notified))
           for r in out.itertuples()]
    assert got == expected


def test_lookup_output_is_masked_and_only_the_queried_person(run_dir):
    out = lookup(run_dir, phone="13800000001")
    text = out.to_csv(index=False)
    assert "+8613800000001" not in text and "zs@qq.com" not in text and "张三" not in text
    assert out["matched_on"].str.startswith("phone=").all()
    assert set(out["reason_codes"]) == {"TRANSFER_PIPL_ART22", "MERGED_DUPLICATE"}


LOOKUP_BAD_CASES = [  # query, message
    ({}, r"give a phone, an e-mail or an ID"),
    ({"phone": "12"}, r"the phone .* is not a valid phone"),
    ({"email": "not-an-email"}, r"the email .* is not a valid email"),
]


@pytest.mark.parametrize("query,match", LOOKUP_BAD_CASES)
def test_lookup_rejects(run_dir, query, match):
    with pytest.raises(ScopingError, match=match):
        lookup(run_dir, **query)


def test_lookup_missing_run_files(tmp_path):
    with pytest.raises(ScopingError, match=r"has neither working tables nor a lookup index; it cannot answer"):
        lookup(tmp_path, phone="13800000001")


CLI_CASES = [  # args, exit code, expected text in output, forbidden text
    (["--phone", "138 0000 0001"], 0, "transferred", "+8613800000001"),
    (["--email", "qq7@qq.com"], 0, "ERASURE_REQUEST", "qq7@qq.com"),
    (["--phone", "13899999999"], 0, "no record matches", "+8613899999999"),
    ([], 2, "give one of --phone, --email or --id", None),
]


@pytest.mark.parametrize("args,code,text,forbidden", CLI_CASES)
def test_cli(run_dir, args, code, text, forbidden):
    result = CliRunner().invoke(lookup_command, [str(run_dir), *args])
    assert result.exit_code == code, result.output
    assert text in result.output
    if forbidden:
        assert forbidden not in result.output


def test_export_is_the_persons_own_records_encrypted(run_dir, tmp_path):
    import subprocess

    from migration_kit.handover.keys import generate_keys
    from migration_kit.pipeline.subject import export_subject

    generate_keys(tmp_path / "k", names=("dpo",), bits=2048)
    out = tmp_path / "subject.csv.cms"
    n = export_subject(run_dir, out, tmp_path / "k" / "dpo.pem", phone="138 0000 0001")
    assert n == 2 and b"zs@qq.com" not in out.read_bytes()
    plain = subprocess.run(["openssl", "cms", "-decrypt", "-binary", "-inform", "DER", "-in", str(out),
                            "-recip", str(tmp_path / "k" / "dpo.pem"), "-inkey", str(tmp_path / "k" / "dpo.key")],
                           capture_output=True, check=True).stdout.decode("utf-8")
    assert "zs@qq.com" in plain and "zhangsan@163.com" in plain and "anna@example.de" not in plain


@pytest.mark.parametrize("digests", [
    ["b" * 64, "a" * 64, "c" * 64],
    ["b" * 64, "a" * 64, "b" * 64],  # equal digests share a rank (the exact path)
    ["a" * 32 + "f" * 32, "a" * 32 + "0" * 32],  # the same first 128 bits: the exact path
])
def test_digest_ranks_sort_like_strings(digests):
    import numpy as np

    from migration_kit.scoping.lookup import _ranks

    ranks = _ranks(np.array(digests, dtype=object))
    expected = {d: i for i, d in enumerate(sorted(set(digests)))}
    assert ranks.tolist() == [expected[d] for d in digests]


def test_index_rows_keyed_sorted_and_unique():
    import pandas as pd

    from migration_kit.masking import keyed_hash
    from migration_kit.scoping.destruction import record_hash
    from migration_kit.scoping.lookup import lookup_index

    std = pd.DataFrame({"source": ["pos", "web"], "record_id": ["1", "2"],
                        "phone": ["+8613812345678", "+8613812345678"],
                        "raw__phone": ["13812345678", None]})
    disp = pd.DataFrame({"source": ["pos", "web"], "record_id": ["1", "2"],
                         "disposition": ["transferred", "merged"], "reason_codes": ["A", "B"]})
    key = b"k" * 32
    out = lookup_index(std, disp, key)
    ident = keyed_hash(key, "phone:13812345678")
    rows = sorted([(ident, record_hash(key, "pos", "1"), "transferred", "A"),
                   (ident, record_hash(key, "web", "2"), "merged", "B")])
    assert [tuple(r) for r in out.values.tolist()] == rows
