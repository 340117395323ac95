"""link(): every row once, deterministic ids, traps, decisions override the model."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migration_kit.errors import LinkageError
from migration_kit.linkage import LinkageSpec, entity_ids, link

SPEC = LinkageSpec.from_dict({"u_sample_size": 20000})
GIVEN = np.array(list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"), dtype=object)
FAM = np.array(list("王李张刘陈杨黄赵吴周"), dtype=object)


def _background(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """n people, each twice (second copy: email dropped); deterministic."""
    rng = np.random.default_rng(seed)
    fam, g1, g2 = FAM[rng.integers(0, 10, n)], GIVEN[rng.integers(0, 20, n)], GIVEN[rng.integers(0, 20, n)]
    names = fam + g1 + g2
    base = pd.DataFrame({
        "name_key": names, "pinyin_key": names, "family_name": fam, "given_name": g1 + g2,
        "birth_date": pd.to_datetime("1950-01-01") + pd.to_timedelta(rng.integers(0, 20000, n), unit="D"),
        "phone": "+86138" + pd.Series(rng.integers(10**7, 10**8, n)).astype(str),
        "email": pd.Series(np.arange(n)).astype(str) + "@qq.com",
        "city": np.array(["北京市", "上海市", "广州市"], object)[rng.integers(0, 3, n)],
    })
    dup = base.assign(email=None)
    df = pd.concat([base.assign(source="pos"), dup.assign(source="web")], ignore_index=True)
    df["record_id"] = [f"B{k:05d}" for k in range(len(df))]
    return df


TRAP = pd.DataFrame([
    # parent and child share a phone; a bridging record has the parent's name and the child's email
    {"source": "pos", "record_id": "P1", "name_key": "张建国", "pinyin_key": "jianguo zhang", "family_name": "张",
     "birth_date": "1965-03-01", "phone": "+8613911112222", "email": "zjg@163.com", "city": "成都市"},
    {"source": "web", "record_id": "C1", "name_key": "张建国", "pinyin_key": "jianguo zhang", "family_name": "张",
     "birth_date": "1995-07-12", "phone": "+8613911112222", "email": "kid@163.com", "city": "成都市"},
    {"source": "club", "record_id": "X1", "name_key": "张建国", "pinyin_key": "jianguo zhang", "family_name": "张",
     "birth_date": None, "phone": "+8613911112222", "email": "kid@163.com", "city": "成都市"},
    # namesakes 王伟 with different birth dates and phones, same city
    {"source": "pos", "record_id": "W1", "name_key": "王伟", "pinyin_key": "wang wei", "family_name": "王",
     "birth_date": "1988-02-03", "phone": "+8613700000001", "email": None, "city": "北京市"},
    {"source": "web", "record_id": "W2", "name_key": "王伟", "pinyin_key": "wang wei", "family_name": "王",
     "birth_date": "1971-10-20", "phone": "+8613700000999", "email": None, "city": "北京市"},
])


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    df = pd.concat([_background(), TRAP], ignore_index=True)
    df["birth_date"] = pd.to_datetime(df["birth_date"])
    return df


@pytest.fixture(scope="module")
def result(data):
    return link(data, SPEC)


def _entity(res, source, rid):
    e = res.entities
    return e.loc[(e.source == source) & (e.record_id == rid), "entity_id"].iloc[0]


def test_every_row_exactly_once(data, result):
    e = result.entities
    assert len(e) == len(data)
    assert list(zip(e.source, e.record_id)) == list(zip(data.source, data.record_id))
    assert e["entity_id"].str.fullmatch(r"E\d{7}").all()


def test_background_duplicates_found(data, result):
    e = result.entities
    same = (e["entity_id"].iloc[:300].to_numpy() == e["entity_id"].iloc[300:600].to_numpy()).mean()
    assert same > 0.95
    assert result.counts["entities"] < 400


@pytest.mark.parametrize("a,b", [(("pos", "P1"), ("web", "C1")), (("pos", "W1"), ("web", "W2"))])
def test_traps_stay_apart(result, a, b):
    assert _entity(result, *a) != _entity(result, *b)


def test_outputs_shape(result):
    assert set(result.timings) == {"index", "compare", "em", "score", "cluster"}
    cols = set(result.pairs.columns)
    assert {"i", "j", "match_weight", "match_probability", "gamma_name", "gamma_phone"} <= cols
    assert (result.pairs["i"] < result.pairs["j"]).all()
    assert set(result.params.columns) == {"comparison", "level", "level_code", "m", "u", "weight"}


def test_deterministic(data, result):
    again = link(data, SPEC)
    pd.testing.assert_frame_equal(again.entities, result.entities)
    shuffled = link(data.iloc[::-1], SPEC)
    merged = shuffled.entities.merge(result.entities, on=["source", "record_id"])
    assert (merged["entity_id_x"] == merged["entity_id_y"]).all()


def test_decisions_override(data, result):
    b0, b1 = ("pos", "B00000"), ("web", "B00300")  # one person, two records
    assert _entity(result, *b0) == _entity(result, *b1)
    dec = pd.DataFrame([
        {"source_a": "pos", "record_id_a": "B00000", "source_b": "web", "record_id_b": "B00300", "decision": "non_match"},
        {"source_a": "pos", "record_id_a": "W1", "source_b": "web", "record_id_b": "B00301", "decision": "match"},
    ])
    res = link(data, SPEC, decisions=dec)
    assert _entity(res, *b0) != _entity(res, *b1)
    assert _entity(res, "pos", "W1") == _entity(res, "web", "B00301")
    assert (res.pairs["decision"] == "non_match").sum() == 1


@pytest.mark.parametrize("decisions,match", [
    (pd.DataFrame([{"source_a": "pos", "record_id_a": "NOPE", "source_b": "web", "record_id_b": "W2",
                    "decision": "match"}]), "not in the input"),
    (pd.DataFrame([{"source_a": "pos", "record_id_a": "W1", "source_b": "web", "record_id_b": "W2",
                    "decision": "maybe"}]), "allowed decisions"),
    (pd.DataFrame([{"source_a": "pos"}]), "lack columns"),
])
def test_bad_decisions(data, decisions, match):
    with pytest.raises(LinkageError, match=match):
        link(data, SPEC, decisions=decisions)


def test_duplicate_keys_rejected(data):
    with pytest.raises(LinkageError, match="repeat a"):
        link(pd.concat([data.iloc[:3], data.iloc[:1]]), SPEC)


def test_entity_ids_rank_smallest_key():
    std = pd.DataFrame({"source": ["web", "pos", "pos"], "record_id": ["1", "9", "2"]})
    assert entity_ids(std, np.array([0, 0, 2])).tolist() == ["E0000002", "E0000002", "E0000001"]


# -- evidence the rehearsal data showed: honorific contacts, rare name + city, common namesakes ------
def _row(source, rid, name, fam, given, **kw):
    return {"source": source, "record_id": rid, "name_key": name, "pinyin_key": kw.pop("pinyin", name),
            "family_name": fam, "given_name": given, **kw}


EXTRA = pd.DataFrame([
    # 危老师 (cleaning strips the honorific: family only) with the full-name record's phone and email
    _row("web", "H0", "危芝琴", "危", "芝琴", phone="+8613623376231", email="zq@126.com", city="重庆市"),
    _row("school", "H1", "危", "危", None, phone="+8613623376231", email="zq@126.com", city="重庆市"),
    # a rare full name in one city: store member (birth date) and web buyer (phone, email)
    _row("pos", "R1", "常想佳", "常", "想佳", birth_date="1952-07-04", city="苏州市"),
    _row("web", "R2", "常想佳", "常", "想佳", phone="+8613265163180", email="cxj@qq.com", city="苏州市"),
    # a rare full name in one city: store member (mobile) and school contact (landline): the
    # landline-vs-mobile level is neutral, so the name and the city decide
    _row("pos", "L1", "黄珍璐", "黄", "珍璐", phone="+8615870479942", phone_type="mobile", city="西安市"),
    _row("school", "L2", "黄珍璐", "黄", "珍璐", phone="+862957941309", phone_type="landline", city="西安市",
         email="zhenluhuang7958224@126.com"),
    # two school contacts recorded as 阎老师 in one city: a shared family name, not a full name
    _row("school", "Y1", "阎", "阎", None, phone="+8618574299058", phone_type="mobile", city="上海市"),
    _row("school", "Y2", "阎", "阎", None, phone="+862172083674", phone_type="landline", city="上海市",
         email="guopengyan5213507@qq.com"),
    # a common name (王伟 x 8, different people) in one city, each with its own phone
    *[_row("pos" if k % 2 else "web", f"N{k}", "王伟", "王", "伟", phone=f"+86135{(k + 1) * 12345679 % 10**8:08d}",
           city="北京市")
      for k in range(8)],
])


@pytest.fixture(scope="module")
def result_extra(data):
    df = pd.concat([data, EXTRA], ignore_index=True)
    df["birth_date"] = pd.to_datetime(df["birth_date"])
    return link(df, SPEC)


@pytest.mark.parametrize("a,b,same", [
    (("web", "H0"), ("school", "H1"), True),
    (("pos", "R1"), ("web", "R2"), True),
    (("pos", "L1"), ("school", "L2"), True),
    (("school", "Y1"), ("school", "Y2"), False),
    (("pos", "N1"), ("web", "N2"), False),
    (("web", "N0"), ("pos", "N7"), False),
])
def test_partial_name_rare_name_and_namesakes(result_extra, a, b, same):
    assert (_entity(result_extra, *a) == _entity(result_extra, *b)) is same


def test_name_level_family_only_is_used(result_extra):
    p = result_extra.params
    row = p[(p.comparison == "name") & (p.level == "family_only")]
    assert len(row) == 1 and row["weight"].iloc[0] > 0
    # unseen disagreements are bounded by the m floor, not -25 bits
    assert p.loc[p.comparison != "(prior)", "weight"].min() > -15


# -- a parent and a child sharing phone and address; the child also has a second record ------------
FAMILY = pd.DataFrame([
    _row("web", "F1", "高雪香", "高", "雪香", pinyin="gao xuexiang", phone="+8613380141618",
         address="浙江省宁波市海曙区江街18号", city="宁波市", email="xx@foxmail.com"),
    _row("web", "F2", "高瑞涛", "高", "瑞涛", pinyin="gao ruitao", phone="+8613380141618",
         address="浙江省宁波市海曙区江街18号", city="宁波市"),
    _row("pos", "F3", "高瑞涛", "高", "瑞涛", pinyin="gao ruitao", phone="+8613380141618", city="宁波市",
         birth_date="2019-04-05"),
])


@pytest.mark.parametrize("rules,parent_apart", [(None, True), ([], False)])
def test_family_sharing_phone_and_address(data, rules, parent_apart):
    df = pd.concat([data, FAMILY], ignore_index=True)
    df["birth_date"] = pd.to_datetime(df["birth_date"])
    spec = SPEC if rules is None else LinkageSpec.from_dict({"u_sample_size": 20000, "conflict_rules": rules})
    res = link(df, spec)
    assert _entity(res, "web", "F2") == _entity(res, "pos", "F3")
    assert (_entity(res, "web", "F1") != _entity(res, "web", "F2")) is parent_apart


def test_only_used_columns_are_read(data, result):
    used = SPEC.used_columns()
    assert used[:2] == ["source", "record_id"] and {"pinyin_key", "id_number", "address", "gender"} <= set(used)
    assert not any(c.startswith("raw__") for c in used)
    extra = data.assign(raw__full_name=[{"unhashable": k} for k in range(len(data))])  # never touched
    pd.testing.assert_frame_equal(link(extra, SPEC).entities, result.entities)


# -- frequency classes: when nearly every name held by two records is one person, a pair sharing ----
# -- only such a name and a city is a match; Good-Turing TF alone leaves it in the review band -------
@pytest.mark.parametrize("tf_classes,same", [(None, False), ({"max_count": 10, "min_values": 20, "iterations": 2}, True)])
def test_tf_classes_rare_name_and_city(tf_classes, same):
    pair = pd.DataFrame([_row("pos", "Q1", "欧阳靖宇", "欧阳", "靖宇", birth_date="1971-03-02", city="北京市"),
                         _row("web", "Q2", "欧阳靖宇", "欧阳", "靖宇", phone="+8613900001111", email="oyjy@qq.com",
                              city="北京市")])
    df = pd.concat([_background(n=2000, seed=3), pair], ignore_index=True)
    df["birth_date"] = pd.to_datetime(df["birth_date"])
    res = link(df, LinkageSpec.from_dict({"u_sample_size": 20000, "tf_classes": tf_classes}))
    assert (_entity(res, "pos", "Q1") == _entity(res, "web", "Q2")) is same
    row = res.pairs[(res.pairs.i == len(df) - 2) & (res.pairs.j == len(df) - 1)]
    assert bool(row["match_probability"].iloc[0] >= SPEC.upper_threshold) is same
