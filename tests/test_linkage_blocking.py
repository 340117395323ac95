"""Blocking: vectorized pair generation, union of passes, capped oversized blocks."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from migration_kit.errors import ParamsError
from migration_kit.linkage import BlockingIndex, BlockingRule, block_pairs
from migration_kit.linkage.blocking import block_codes

DF = pd.DataFrame({
    "source": ["pos", "pos", "web", "web", "web", "club"],
    "phone": ["+8613812345678", "+8613812345678", "+8613812345678", None, "+8613912345670", "+8613912345679"],
    "name_key": ["王伟", "王伟", "王伟", "王伟", "李娜", "李娜"],
    "family_name": ["王", "王", "王", "王", "李", "李"],
})


@pytest.mark.parametrize("keys,link_type,expected", [
    (["phone"], "dedupe_and_link", [(0, 1), (0, 2), (1, 2)]),
    (["phone"], "link_only", [(0, 2), (1, 2)]),
    (["name_key"], "dedupe_and_link", [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3), (4, 5)]),
    (["family_name", "phone:last4"], "dedupe_and_link", [(0, 1), (0, 2), (1, 2)]),
    (["family_name", "phone:first10"], "dedupe_and_link", [(0, 1), (0, 2), (1, 2), (4, 5)]),
    (["email"], "dedupe_and_link", []),  # missing column: no pairs
])
def test_pairs(keys, link_type, expected):
    pairs, report = block_pairs(DF, [BlockingRule("r", tuple(keys))], 10, link_type)
    assert list(zip(pairs["i"], pairs["j"])) == expected
    assert report.empty


def test_union_dedupes_and_keeps_first_rule():
    rules = [BlockingRule("phone", ("phone",)), BlockingRule("name", ("name_key",))]
    counts: dict = {}
    pairs, _ = block_pairs(DF, rules, 10, counts=counts)
    assert len(pairs) == len(set(zip(pairs["i"], pairs["j"]))) == 7
    assert (pairs["i"] < pairs["j"]).all()
    assert pairs.set_index(["i", "j"]).loc[(0, 1), "rule"] == "phone"
    assert counts == {"pairs_phone": 3, "pairs_name": 4}


@pytest.mark.parametrize("cap,n_pairs,n_skipped", [(2, 1, 1), (3, 1, 1), (4, 7, 0)])
def test_oversized_blocks_are_skipped_and_reported(cap, n_pairs, n_skipped):
    pairs, report = block_pairs(DF, [BlockingRule("name", ("name_key",), max_block_size=cap)], 100)
    assert len(pairs) == n_pairs
    assert len(report) == n_skipped
    assert list(report.columns) == ["rule", "key_masked", "size", "action"]
    if n_skipped:
        assert report["action"].str.startswith("skipped").all()
        assert "王伟" not in " ".join(report["key_masked"])  # masked, not plaintext


def test_matches_brute_force_on_random_data():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"source": "s", "a": rng.integers(0, 30, 400).astype(str),
                       "b": rng.choice(["x", "y", None], 400)})
    pairs, _ = block_pairs(df, [BlockingRule("ab", ("a", "b"))], 1000)
    a, b = df["a"].tolist(), df["b"].tolist()
    brute = [(i, j) for i, j in itertools.combinations(range(len(df)), 2)
             if a[i] == a[j] and b[i] is not None and b[i] == b[j]]
    assert list(zip(pairs["i"], pairs["j"])) == brute


def test_block_codes_null_when_any_key_null():
    codes = block_codes(DF, ["name_key", "phone"])
    assert codes[3] == -1 and codes[0] == codes[1] == codes[2] >= 0


def test_recordlinkage_index_plugin():
    import recordlinkage
    idx = recordlinkage.Index()
    idx.add(BlockingIndex([BlockingRule("phone", ("phone",))]))
    a, b = DF.iloc[:2].copy(), DF.iloc[2:].copy()
    assert list(idx.index(a, b)) == [(0, 2), (1, 2)]


CROSS_DF = pd.DataFrame({
    "source": ["school", "pos", "web", "pos", "web", "pos"],
    "email": ["zhiyingliu88@qq.com", None, "Liu.Zhiying@163.com", None, "lina@x.cn", None],
    "pinyin_key": ["liu", "liu zhiying", "liu zhiying", "li na", "li na", "na"],
    "city": ["成都市", "成都市", "成都市", "北京市", "上海市", "北京市"],
})
CROSS = {"keys": ["email:local_letters"], "cross_keys": [["pinyin_key:concat"], ["pinyin_key:rconcat"]]}


@pytest.mark.parametrize("rule,cap,expected,n_skipped", [
    (CROSS, 10, [(0, 1), (0, 2), (1, 2), (3, 4)], 0),  # 4's own name is never a pair with itself
    ({"keys": ["email:local_letters", "city"],
      "cross_keys": [["pinyin_key:concat", "city"], ["pinyin_key:rconcat", "city"]]}, 10, [(0, 1), (0, 2), (1, 2)], 0),
    (CROSS, 2, [], 3),  # every block has 1 email + 2 names (> 2): all skipped and reported
    ({"keys": ["email:local_letters"], "cross_keys": [["pinyin_key:concat"]]}, 10, [(1, 2), (3, 4)], 0),  # one order only
    ({"keys": ["email:local_letters"], "cross_keys": [["pinyin_key"]]}, 10, [], 0),  # "liu zhiying" != "liuzhiying"
])
def test_cross_key_pass(rule, cap, expected, n_skipped):
    r = BlockingRule.from_dict({"name": "email_name", **rule}, "b")
    pairs, report = block_pairs(CROSS_DF, [r], cap)
    assert list(zip(pairs["i"], pairs["j"])) == expected
    assert len(report) == n_skipped
    assert "zhiying" not in " ".join(report["key_masked"]).lower()


def test_cross_pass_matches_brute_force():
    rng = np.random.default_rng(1)
    a, b = rng.choice(list("abc"), 300), rng.choice(list("abc"), 300)
    c, d = rng.choice(list("abc"), 300), rng.choice(list("abc"), 300)
    df = pd.DataFrame({"source": "s", "email": [f"{x}q{y}q{n % 7}@q.cn" for n, (x, y) in enumerate(zip(a, b))],
                       "pinyin_key": [f"{x}q {y}q" for x, y in zip(c, d)]})
    r = BlockingRule.from_dict({"name": "x", **CROSS}, "b")
    pairs, _ = block_pairs(df, [r], 10_000)
    let = [e.split("@")[0].rstrip("0123456789") for e in df["email"]]
    names = [(p.replace(" ", ""), "".join(p.split()[::-1])) for p in df["pinyin_key"]]
    brute = sorted({(min(i, j), max(i, j)) for i in range(300) for j in range(300)
                    if i != j and let[i] in names[j]})
    assert list(zip(pairs["i"], pairs["j"])) == brute


@pytest.mark.parametrize("data,match", [
    ({"name": "x", "keys": ["email:local_letters", "city"], "cross_keys": [["pinyin_key:concat"]]}, r"cross_keys\[0\].*same number"),
    ({"name": "x", "keys": ["email"], "cross_keys": [["pinyin_key:reversed"]]}, r"'pinyin_key:reversed'.*rconcat"),
    ({"name": "x", "keys": ["email"], "cross": []}, r"cross.*cross_keys"),
])
def test_cross_rule_rejects(data, match):
    with pytest.raises(ParamsError, match=match):
        BlockingRule.from_dict(data, "linkage.blocking[0]")


def test_level_compare_plugin():
    import recordlinkage
    from migration_kit.linkage import LevelCompare, LinkageSpec
    comp = next(c for c in LinkageSpec.default().comparisons if c.name == "phone")
    df = pd.DataFrame({"phone": ["+8613812345678", "+8613812345679", "+862887654321"],
                       "phone_type": ["mobile", "mobile", "landline"]})
    out = recordlinkage.Compare([LevelCompare(comp)]).compute(pd.MultiIndex.from_tuples([(0, 1), (0, 2)]), df)
    assert [comp.level_names[int(v)] for v in out.iloc[:, 0]] == ["one_digit", "other_type"]


@pytest.mark.parametrize("module", ["migration_kit.params", "migration_kit.linkage"])
def test_import_does_not_load_recordlinkage(module):
    import subprocess
    import sys
    code = (f"import sys, {module}\nfrom migration_kit.params import load_params\n"
            "from migration_kit.linkage import LinkageSpec; LinkageSpec.default()\n"
            "print(sorted(m for m in ('recordlinkage', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_lazy_names_resolve_and_unknown_name_lists_known():
    import migration_kit.linkage as lk
    assert callable(lk.link) and lk.BlockingIndex.__module__.endswith("rl_compat")
    with pytest.raises(AttributeError, match="no attribute 'nope'.*public names"):
        lk.nope


SN_CASES = [  # (values, window, expected pairs): sorted order, each record with the next window-1
    (["melrose drive", "melrose rdive", "abbey road", None], 2, [(0, 2), (0, 1)]),
    (["c", "a", "b", "d"], 2, [(1, 2), (0, 2), (0, 3)]),
    (["c", "a", "b", "d"], 3, [(1, 2), (0, 2), (0, 3), (0, 1), (2, 3)]),
    (["a", None, None], 4, []),
]


@pytest.mark.parametrize("values, window, expected", SN_CASES)
def test_sorted_neighbourhood_pass(values, window, expected):
    df = pd.DataFrame({"source": ["a"] * len(values), "k": values})
    rule = BlockingRule.from_dict({"name": "sn", "keys": ["k"], "window": window}, "b")
    pairs, report = block_pairs(df, [rule], max_block_size=2)
    assert sorted(map(tuple, pairs[["i", "j"]].values.tolist())) == sorted(expected)
    assert len(report) == 0 and set(pairs["rule"]) <= {"sn"}


def test_sorted_neighbourhood_sorts_on_keys_in_order_and_respects_link_only():
    df = pd.DataFrame({"source": ["A", "A", "B", "B"], "pc": ["2", "1", "1", "2"], "st": ["x", "y", "z", "w"]})
    rule = BlockingRule.from_dict({"name": "sn", "keys": ["pc", "st"], "window": 2}, "b")
    # order: (1,y)=1 (1,z)=2 (2,w)=3 (2,x)=0 -> pairs 1-2, 2-3, 0-3; link_only drops 0-3 (A-B kept)
    both, _ = block_pairs(df, [rule])
    assert both[["i", "j"]].values.tolist() == [[0, 3], [1, 2], [2, 3]]
    cross, _ = block_pairs(df, [rule], link_type="link_only")
    assert cross[["i", "j"]].values.tolist() == [[0, 3], [1, 2]]


@pytest.mark.parametrize("data, match", [
    ({"name": "sn", "keys": ["k"], "window": 1}, r"window.*received 1.*give 2 to 50"),
    ({"name": "sn", "keys": ["k"], "window": "5"}, r"window"),
    ({"name": "sn", "keys": ["k"], "window": 3, "cross_keys": [["j"]]}, r"both 'window' and 'cross_keys'"),
])
def test_window_rule_rejects(data, match):
    with pytest.raises(ParamsError, match=match):
        BlockingRule.from_dict(data, "b")


def test_derived_key_fragments_are_masked_to_their_first_character():
    # a shared shop phone: the prefix block is oversized; the report must not show digits 4-7
    df = pd.DataFrame({"source": "s", "family_name": ["王"] * 3, "phone": ["+8613812345678"] * 3})
    _, report = block_pairs(df, [BlockingRule("fam_prefix", ("family_name", "phone:first10"), max_block_size=2)], 100)
    assert report["key_masked"].tolist() == ["family_name=王*; phone:first10=+*********"]
