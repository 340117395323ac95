"""Review queue (masked), decisions CSV validation, and applying split / non_match / match decisions."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from migration_kit.errors import InputError, LinkageError, ParamsError
from migration_kit.linkage.review import (
    STALE_COLUMNS,
    apply_decisions,
    check_decisions,
    pair_id,
    partition_decisions,
    read_decisions,
    review_queue,
    write_review_queue,
)

STD = pd.DataFrame({
    "source": ["web", "pos", "pos", "school"],
    "record_id": ["w1", "p1", "p2", "s1"],
    "full_name": ["王鹏磊", "王鹏磊", "Penglei Wang", None],
    "phone": ["+8613812345678", "+8613812345678", "+8613900001111", None],
    "email": ["wang.pl@qq.com", None, "plwang@163.com", "x@y.cn"],
    "id_number": ["11010519491231002X", None, None, None],
    "birth_date": pd.to_datetime(["1990-05-17", None, "1990-05-17", None]),
    "city": ["北京市", "北京市", None, "上海市"],
})
PAIRS = pd.DataFrame({
    "i": [0, 0, 1, 2], "j": [1, 2, 2, 3],
    "gamma_name": [2, 1, 1, -1], "gamma_phone": [1, 0, 0, -1],
    "match_weight": [8.0, 1.0, 0.5, -9.0], "match_probability": [0.99, 0.7, 0.6, 0.001],
})
PARAMS = pd.DataFrame({
    "comparison": ["(prior)", "name", "name", "name", "phone", "phone"],
    "level": ["lambda", "else", "pinyin", "exact", "else", "exact"],
    "level_code": [-1, 0, 1, 2, 0, 1],
    "m": [0.1, 0.1, 0.3, 0.6, 0.2, 0.8], "u": [0.9, 0.8, 0.15, 0.05, 0.9, 0.1],
    "weight": [-3.17, -3.0, 1.0, 3.58, -2.17, 3.0],
})


def test_queue_selects_band_orders_keys_and_computes_weights():
    q = review_queue(STD, PAIRS, PARAMS, 0.5, 0.95)
    expected = [
        # pair (1,2) p=0.6, the most uncertain first: pos/p1 vs pos/p2 -> a = pos p1
        ("pos", "p1", "pos", "p2", 0.6, "pinyin", 1.0, "else", -2.17),
        # pair (0,2) p=0.7: web/w1 vs pos/p2 -> a = pos p2
        ("pos", "p2", "web", "w1", 0.7, "pinyin", 1.0, "else", -2.17),
    ]
    got = list(q[["source_a", "record_id_a", "source_b", "record_id_b", "match_probability",
                  "level_name", "w_name", "level_phone", "w_phone"]].itertuples(index=False, name=None))
    assert got == expected
    assert q["decision"].tolist() == ["", ""]
    assert q.loc[1, "pair_id"] == pair_id("web", "w1", "pos", "p2")


def test_queue_shows_a_missing_value_as_no_level_and_no_weight():
    q = review_queue(STD, PAIRS.assign(gamma_phone=[1, -1, 0, -1]), PARAMS, 0.5, 0.95)
    row = q[q["record_id_b"] == "w1"].iloc[0]
    assert (row["level_phone"], row["w_phone"]) == ("", 0.0)


# probabilities of three pairs -> the order they are reviewed in (nearest 0.5 first; ties by pair id)
UNCERTAINTY_ORDER = [
    ([0.55, 0.9, 0.7], [0, 2, 1]),
    ([0.9, 0.51, 0.52], [1, 2, 0]),
    ([0.3, 0.6, 0.45], [2, 1, 0]),  # below 0.5 counts as much as above: distance decides
]


@pytest.mark.parametrize("probs, order", UNCERTAINTY_ORDER)
def test_queue_puts_the_most_uncertain_first(probs, order):
    pairs = PAIRS.iloc[:3].assign(match_probability=probs)
    q = review_queue(STD, pairs, PARAMS, 0.0, 1.0)
    keys = [(STD.loc[i, "record_id"], STD.loc[j, "record_id"]) for i, j in zip(pairs["i"], pairs["j"], strict=True)]
    got = [tuple(sorted(k)) for k in zip(q["record_id_a"], q["record_id_b"], strict=True)]
    assert got == [tuple(sorted(keys[k])) for k in order]


@pytest.mark.parametrize("requested,order,request_on", [
    (None, ["p1", "p2"], ["", ""]),
    # w1 (web) has a withdrawal / erasure request: pair (p2, w1) first although less uncertain
    ([True, False, False, False], ["p2", "p1"], ["b", ""]),
    # a request on both sides is no reason to hurry: either way the customer is excluded
    ([True, True, True, False], ["p1", "p2"], ["both", "both"]),
])
def test_queue_puts_pairs_with_a_request_on_one_side_first(requested, order, request_on):
    q = review_queue(STD, PAIRS, PARAMS, 0.5, 0.95, requested=requested)
    assert q["record_id_a"].tolist() == order and q["request_on"].tolist() == request_on


def test_queue_carries_decisions_already_applied():
    q = review_queue(STD, PAIRS.assign(decision=[None, "non_match", None, None]), PARAMS, 0.5, 0.95)
    assert q["decision"].tolist() == ["", "non_match"]  # (0, 2) is the second: p=0.7


def test_queue_masks_personal_values():
    q = review_queue(STD, PAIRS, PARAMS, 0.0, 1.0)
    text = q.to_csv(index=False)
    for raw in ["13812345678", "13900001111", "wang.pl@qq.com", "plwang@163.com", "11010519491231002X",
                "鹏磊", "Penglei", "1990-05-17"]:
        assert raw not in text
    row = q[(q["record_id_a"] == "p2") & (q["record_id_b"] == "w1")].iloc[0]
    assert (row["name_a"], row["name_b"], row["phone_b"], row["email_b"], row["id_number_b"]) == (
        "P*** W***", "王**", "138****5678", "w***@qq.com", "110105********002X")
    assert (row["birth_year_a"], row["city_b"], row["city_a"]) == ("1990", "北京市", "")


BAD_BANDS = [(0.9, 0.5), (-0.1, 0.5), (0.5, 1.5)]


@pytest.mark.parametrize("lower, upper", BAD_BANDS)
def test_queue_rejects_bad_band(lower, upper):
    with pytest.raises(ParamsError, match=r"linkage\.review: received lower=.*need 0 <= lower < upper <= 1"):
        review_queue(STD, PAIRS, PARAMS, lower, upper)


def test_queue_names_missing_level_column():
    with pytest.raises(LinkageError, match=r"pairs has no level column for comparison 'phone'"):
        review_queue(STD, PAIRS.drop(columns="gamma_phone"), PARAMS, 0.5, 0.95)


def test_written_queue_round_trips_as_decisions(tmp_path):
    q = review_queue(STD, PAIRS, PARAMS, 0.5, 0.95)
    q.loc[0, "decision"], q.loc[1, "decision"] = "match", "non_match"
    path = write_review_queue(q, tmp_path / "reports" / "review_queue.csv")
    assert [p.name for p in path.parent.iterdir()] == ["review_queue.csv"]  # no temp file left
    dec = read_decisions(path, known=STD)
    assert dec[["record_id_a", "record_id_b", "decision", "row"]].values.tolist() == [
        ["p1", "p2", "match", 1], ["p2", "w1", "non_match", 2]]


HEADER = "pair_id,source_a,record_id_a,source_b,record_id_b,decision\n"
BAD_DECISIONS = [
    (HEADER + ",pos,p1,web,w1,maybe\n", r"d\.csv, row 1, column 'decision': received 'maybe'; allowed values: match, "
                                        r"non_match, split or empty \(not decided\)"),
    (HEADER + ",pos,p1,web,w1,\n,pos,p1,web,w1,13812345678\n",
     r"row 2, column 'decision': received '1\*{8}'; allowed values"),
    (HEADER + ",pos,p1,,,match\n", r"row 1, column 'source_b': decision 'match' needs source_a, record_id_a, "
                                   r"source_b, record_id_b; source_b is empty \(use 'split'"),
    (HEADER + ",,,,,split\n", r"row 1, column 'source_a': decision 'split' needs source_a, record_id_a; source_a is empty "
                               r"\(name the record to take out\)"),
    (HEADER + ",pos,p9,web,w1,match\n", r"row 1, column 'record_id_a': record \(source 'pos', record_id 'p\*'\) "
                                        r"is not in this run's input; re-export the review queue"),
    (HEADER + ",pos,p1,web,w1,match\n,web,w1,pos,p1,non_match\n",
     r"row 2, column 'decision': rows 1 and 2 decide the same pair differently \('match' vs 'non_match'\); keep one"),
    ("source_a,record_id_a,verdict\npos,p1,match\n", r"d\.csv, column 'decision': missing column; a decisions file needs"),
]


@pytest.mark.parametrize("content, message", BAD_DECISIONS)
def test_bad_decisions_file_is_rejected(tmp_path, content, message):
    path = tmp_path / "d.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_decisions(path, known=STD)


def test_same_decision_twice_in_either_order_is_kept_once(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(HEADER + ",pos,p1,web,w1,match\n,web,w1,pos,p1,match\n", encoding="utf-8")
    assert read_decisions(path)["row"].tolist() == [1]


def test_missing_decisions_file(tmp_path):
    with pytest.raises(InputError, match=re.escape(f"{tmp_path / 'none.csv'}: review decisions file not found")):
        read_decisions(tmp_path / "none.csv")


def test_decisions_accept_bom_case_and_blank_rows(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("\ufeff" + HEADER + ",pos,p1,web,w1, Match \n,pos,p2,,,\n,pos,p2,,,SPLIT\n", encoding="utf-8")
    dec = read_decisions(path)
    assert dec[["record_id_a", "decision", "row"]].values.tolist() == [["p1", "match", 1], ["p2", "split", 3]]


ENT = pd.DataFrame({
    "source": ["pos", "pos", "pos", "web", "web", "school"],
    "record_id": ["p1", "p2", "p3", "w1", "w2", "s1"],
    "entity_id": ["E1", "E1", "E1", "E2", "E2", "E3"],
})
# decisions (a, b, decision) -> expected entity ids in ENT order
APPLY_CASES = [
    ([(("pos", "p2"), None, "split")], ["E1", "E1-S1", "E1", "E2", "E2", "E3"]),
    ([(("pos", "p3"), None, "split"), (("pos", "p2"), None, "split")], ["E1", "E1-S1", "E1-S2", "E2", "E2", "E3"]),
    ([(("school", "s1"), None, "split")], ["E1", "E1", "E1", "E2", "E2", "E3"]),           # already alone
    ([(("pos", "p3"), ("pos", "p1"), "non_match")], ["E1", "E1", "E1-S1", "E2", "E2", "E3"]),  # larger key leaves
    ([(("pos", "p1"), ("web", "w1"), "non_match")], ["E1", "E1", "E1", "E2", "E2", "E3"]),  # already apart
    ([(("web", "w2"), ("school", "s1"), "match")], ["E1", "E1", "E1", "E2", "E2", "E2"]),
    ([(("school", "s1"), ("pos", "p2"), "match")], ["E1", "E1", "E1", "E2", "E2", "E1"]),  # smaller id names it
    ([(("pos", "p2"), None, "split"), (("pos", "p2"), ("school", "s1"), "match")],        # move p2 to s1's entity
     ["E1", "E1-S1", "E1", "E2", "E2", "E1-S1"]),
    ([(("web", "w1"), ("pos", "p1"), "match"), (("pos", "p3"), ("web", "w2"), "non_match")],
     ["E1", "E1", "E1", "E1", "E1-S1", "E3"]),                                              # non_match after merge
]


def _decisions(rows):
    out = []
    for a, b, d in rows:
        b = b or ("", "")
        out.append({"source_a": a[0], "record_id_a": a[1], "source_b": b[0], "record_id_b": b[1], "decision": d})
    return pd.DataFrame(out)


@pytest.mark.parametrize("rows, expected", APPLY_CASES)
def test_apply_decisions_changes_entities_as_documented(rows, expected):
    once = apply_decisions(ENT, _decisions(rows))
    assert once["entity_id"].tolist() == expected
    assert once[["source", "record_id"]].equals(ENT[["source", "record_id"]])
    twice = apply_decisions(once, _decisions(rows))
    assert twice["entity_id"].tolist() == expected  # idempotent


def test_split_ids_skip_ids_in_use():
    ent = ENT.assign(entity_id=["E1", "E1", "E1-S1", "E2", "E2", "E3"])
    out = apply_decisions(ent, _decisions([(("pos", "p1"), None, "split")]))
    assert out["entity_id"].tolist() == ["E1-S2", "E1", "E1-S1", "E2", "E2", "E3"]


APPLY_ERRORS = [
    ([(("pos", "p9"), None, "split")], r"review decision row 1 names record a not in the entities"),
    ([(("pos", "p1"), ("web", "w1"), "match"), (("web", "w2"), ("school", "s1"), "match"),
      (("pos", "p2"), ("school", "s1"), "non_match")],
     r"review decision row 2 says match, but non_match decisions separate the two records again"),
]


@pytest.mark.parametrize("rows, message", APPLY_ERRORS)
def test_apply_decisions_rejects_unknown_or_contradicting(rows, message):
    with pytest.raises(LinkageError, match=message):
        apply_decisions(ENT, _decisions(rows))


def test_no_decisions_leave_entities_unchanged():
    assert apply_decisions(ENT, None).equals(ENT)
    assert apply_decisions(ENT, _decisions([]).reindex(columns=["source_a", "record_id_a", "source_b",
                                                                  "record_id_b", "decision"])).equals(ENT)


# decision rows (a, b, decision) -> the row and message check_decisions names, or None (consistent)
CHECK_CASES = [
    ([(("pos", "p1"), ("pos", "p2"), "match"), (("pos", "p2"), ("pos", "p3"), "match"),
      (("pos", "p1"), ("pos", "p3"), "non_match")],
     (3, r"d\.csv, row 3, column 'decision': says non_match, but the match decision\(s\) in row\(s\) 1, 2 put")),
    ([(("pos", "p1"), ("web", "w1"), "non_match"), (("web", "w1"), ("pos", "p1"), "match")],
     (1, r"row 1, column 'decision': says non_match, but the match decision\(s\) in row\(s\) 2 put")),
    ([(("pos", "p1"), ("pos", "p2"), "match"), (("pos", "p3"), ("web", "w1"), "non_match")], None),
    ([(("pos", "p1"), None, "split"), (("pos", "p1"), ("pos", "p2"), "non_match")], None),
]


@pytest.mark.parametrize("rows, error", CHECK_CASES)
def test_check_decisions_names_the_contradicting_rows(rows, error):
    dec = _decisions(rows).assign(row=range(1, len(rows) + 1))
    if error is None:
        assert check_decisions(dec, "d.csv") is None
        return
    with pytest.raises(InputError, match=error[1]) as info:
        check_decisions(dec, "d.csv")
    assert info.value.row == error[0]


# decisions -> (rows applied, stale rows as (row, status, applied))
PARTITION_CASES = [
    ([(("pos", "p1"), ("pos", "p2"), "match")], [1], []),
    ([(("pos", "p1"), ("pos", "p9"), "match")], [], [(1, "record_missing", False)]),
    ([(("gone", "g1"), None, "split"), (("pos", "p2"), None, "split")], [2], [(1, "record_missing", False)]),
    # both records exist but this run did not compare them: applied, and reported
    ([(("pos", "p1"), ("school", "s1"), "non_match"), (("web", "w1"), ("pos", "p1"), "match")],
     [1, 2], [(1, "pair_not_scored", True)]),
]


@pytest.mark.parametrize("rows, applied, stale", PARTITION_CASES)
def test_partition_sets_aside_decisions_on_missing_records(rows, applied, stale):
    dec = _decisions(rows).assign(row=range(1, len(rows) + 1), pair_id="")
    use, report = partition_decisions(dec, STD, PAIRS)
    assert use["row"].tolist() == applied
    assert list(report.columns) == list(STALE_COLUMNS)
    assert list(report[["row", "status", "applied"]].itertuples(index=False, name=None)) == stale
