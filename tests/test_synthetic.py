"""Tests of the rehearsal-data generator (migration_kit.synthetic)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import phonenumbers
import pytest
import yaml
from click.testing import CliRunner
from pypinyin import lazy_pinyin

from migration_kit.errors import ParamsError
from migration_kit.synthetic import SynthRates, generate
from migration_kit.synthetic.cli import synth_command
from migration_kit.synthetic.identity import id_check_digits
from migration_kit.synthetic.records import label_join
from migration_kit.synthetic.regions import district_table
from migration_kit.synthetic.writer import FIXED_TIME

N, SEED = 300, 11
RATES = SynthRates(invalid=0.05, inconsistent=0.05)
FILES = ["pos_members.csv", "web_orders.csv", "school_club.xlsx", "overseas_shop.csv", "suppression.csv",
         "truth.csv", "params.yaml"]
SOURCES = [("pos", "pos_members.csv", "会员编号", "utf-8-sig"), ("web", "web_orders.csv", "用户ID", "gbk"),
           ("school", "school_club.xlsx", "客户编号", None), ("overseas", "overseas_shop.csv", "Customer ID", "utf-8"),
           ("suppression", "suppression.csv", "请求编号", "utf-8")]
TRANSFER = pd.Timestamp("2026-12-01")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("synth")
    a = generate(N, SEED, base / "a", rates=RATES)
    b = generate(N, SEED, base / "b", rates=RATES)
    c = generate(N, SEED + 1, base / "c", rates=RATES)
    return {"a": (base / "a", a), "b": (base / "b", b), "c": (base / "c", c)}


def _read(folder: Path, fname: str, encoding: str | None) -> pd.DataFrame:
    if fname.endswith(".xlsx"):
        return pd.read_excel(folder / fname, dtype=object)
    return pd.read_csv(folder / fname, dtype=str, keep_default_na=False, encoding=encoding)


@pytest.fixture(scope="module")
def data(runs):
    folder = runs["a"][0]
    tables = {name: _read(folder, f, enc) for name, f, _, enc in SOURCES}
    truth = pd.read_csv(folder / "truth.csv", dtype=str, keep_default_na=False)
    return tables, truth


def _with_truth(data, source, id_col):
    tables, truth = data
    t = truth[truth["source"] == source].set_index("record_id")
    df = tables[source].copy()
    df["_rid"] = df[id_col].astype(str)
    return df.join(t, on="_rid")


def _digits(s: pd.Series) -> pd.Series:
    return s.astype(str).str.replace(r"\.0$", "", regex=True).str.replace(r"\D", "", regex=True).str[-11:]


@pytest.mark.parametrize("fname", FILES)
def test_same_seed_gives_identical_bytes(runs, fname):
    assert (runs["a"][0] / fname).read_bytes() == (runs["b"][0] / fname).read_bytes()


def test_same_bytes_in_another_process_with_another_hash_seed(runs, tmp_path):
    # Faker builds some lists from sets; their order follows PYTHONHASHSEED (caught in it_IT cities)
    code = ("import sys; from pathlib import Path; from migration_kit.synthetic import generate, SynthRates; "
            f"generate({N}, {SEED}, Path(sys.argv[1]), rates=SynthRates(invalid=0.05, inconsistent=0.05))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, env=env, timeout=120)
    for fname in FILES:
        assert (tmp_path / fname).read_bytes() == (runs["a"][0] / fname).read_bytes(), fname


@pytest.mark.parametrize("fname", FILES[:6])
def test_other_seed_gives_other_files(runs, fname):
    assert (runs["a"][0] / fname).read_bytes() != (runs["c"][0] / fname).read_bytes()


@pytest.mark.parametrize("name, expected, tol", [
    ("duplicate", RATES.duplicate, 0.02), ("withdrawn", RATES.withdrawn, 0.004), ("erasure", RATES.erasure, 0.004),
    ("minor", RATES.minor, 0.004), ("inactive", RATES.inactive, 0.004), ("eu", RATES.eu, 0.004),
    ("other_foreign", RATES.other_foreign, 0.004), ("school", RATES.school, 0.004),
    ("family_shared_phone", RATES.family_shared_phone, 0.004), ("namesake", RATES.namesake, 0.004),
    ("pinyin_variant", RATES.pinyin_variant, 0.004), ("defect.ACTIVITY_BEFORE_SIGNUP", RATES.inconsistent, 0.02),
    ("defect.PHONE_INVALID", RATES.invalid, 0.02),
])
def test_realised_rates_within_tolerance(runs, name, expected, tol):
    assert abs(runs["a"][1].realised[name] - expected) <= tol


@pytest.mark.parametrize("flag, column", [("withdrawn", "withdrawn"), ("erasure", "erasure"), ("minor", "minor"),
                                          ("inactive", "inactive")])
def test_truth_flags_match_realised(runs, data, flag, column):
    _, truth = data
    ent = truth.drop_duplicates("entity_id")
    assert (ent[column] == "True").mean() == pytest.approx(runs["a"][1].realised[flag])


@pytest.mark.parametrize("source, fname, id_col, enc", SOURCES)
def test_truth_lists_every_file_row_exactly_once(data, source, fname, id_col, enc):
    tables, truth = data
    ids = tables[source][id_col].astype(str)
    in_truth = truth.loc[truth["source"] == source, "record_id"]
    assert ids.is_unique and in_truth.is_unique
    assert set(ids) == set(in_truth)
    assert len(ids) > 0


def test_truth_keys_unique_and_counts_match(runs, data):
    _, truth = data
    assert not truth.duplicated(["source", "record_id"]).any()
    counts = truth["source"].value_counts().to_dict()
    assert {k: v for k, v in runs["a"][1].counts.items() if k != "entities"} == counts
    assert truth["entity_id"].nunique() == N


def test_resident_ids_valid_except_injected(data):
    df = _with_truth(data, "pos", "会员编号")
    df = df[df["身份证号"] != ""]
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    ok = df["身份证号"].map(lambda s: "10X98765432"[sum(int(c) * w for c, w in zip(s[:17], weights)) % 11] == s[17])
    injected = df["defects"].str.contains("ID_CHECKSUM")
    assert injected.any(), "no ID_CHECKSUM defect injected; raise the invalid rate of the fixture"
    assert (ok == ~injected).all()
    parity_ok = (df["身份证号"].str[16].astype(int) % 2 == 1) == (df["性别"] == "男")
    assert parity_ok.all()
    assert df["身份证号"].str[:6].isin(district_table()["code"]).all()


@pytest.mark.parametrize("source, fname, id_col, col", [("pos", "pos_members.csv", "会员编号", "手机号码"),
                                                        ("web", "web_orders.csv", "用户ID", "联系电话"),
                                                        ("school", "school_club.xlsx", "客户编号", "电话"),
                                                        ("overseas", "overseas_shop.csv", "Customer ID", "Phone")])
def test_phones_valid_except_injected(data, source, fname, id_col, col):
    df = _with_truth(data, source, id_col)
    raw = df[col].astype(str).str.replace(r"\.0$", "", regex=True)
    df = df[(raw != "") & (raw != "nan")]
    raw = raw[df.index]

    def valid(v: str) -> bool:
        v = re.sub(r"^0086", "+86", v)
        v = re.sub(r"^86(1\d{10})$", r"+86\1", v)
        return phonenumbers.is_valid_number(phonenumbers.parse(v, "CN"))

    ok = raw.map(valid)
    injected = df["defects"].str.contains("PHONE_INVALID")
    assert (ok == ~injected).all()
    if source in ("pos", "web"):
        assert injected.any()
        assert raw[injected].str.replace(r"\D", "", regex=True).str[-11:].str[:3].isin(["140", "174"]).all()


def test_encodings_as_promised(runs):
    folder = runs["a"][0]
    assert (folder / "pos_members.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    web = (folder / "web_orders.csv").read_bytes()
    assert web.decode("gbk").startswith("用户ID,收货人")
    with pytest.raises(UnicodeDecodeError):
        web.decode("utf-8")
    over = (folder / "overseas_shop.csv").read_bytes()
    assert not over.startswith(b"\xef\xbb\xbf") and over.decode("utf-8").startswith("Customer ID,First Name")


def test_xlsx_fixed_properties_and_float_phones(runs):
    wb = openpyxl.load_workbook(runs["a"][0] / "school_club.xlsx")
    assert wb.properties.modified == FIXED_TIME and wb.properties.created == FIXED_TIME
    ws = wb["客户"]
    header = [c.value for c in ws[1]]
    phones = [row[header.index("电话")] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert any(isinstance(p, float) for p in phones)
    assert any(isinstance(p, str) and re.match(r"^0\d{2,3}-\d{7,8}$", p) for p in phones)


def test_family_shared_phone_links_two_different_people(data):
    frames = []
    for source, id_col, name_col, phone_col in (("pos", "会员编号", "姓名", "手机号码"), ("web", "用户ID", "收货人", "联系电话")):
        df = _with_truth(data, source, id_col)
        frames.append(pd.DataFrame({"phone": _digits(df[phone_col]), "name": df[name_col], "entity": df["entity_id"],
                                    "trap": df["trap"], "minor": df["minor"]}))
    rec = pd.concat(frames)
    rec = rec[(rec["phone"].str.len() == 11) & (rec["trap"] == "family_shared_phone")]
    shared = rec.groupby("phone")["entity"].nunique()
    assert (shared >= 2).any()
    phone = shared[shared >= 2].index[0]
    people = rec[rec["phone"] == phone].drop_duplicates("entity")
    assert people["name"].str.replace(" ", "").nunique() >= 2


def test_namesakes_are_different_people(data):
    df = _with_truth(data, "pos", "会员编号")
    web = _with_truth(data, "web", "用户ID")
    rec = pd.concat([df.rename(columns={"姓名": "name"}), web.rename(columns={"收货人": "name"})])
    rec = rec[rec["trap"] == "namesake"]
    groups = rec.groupby(rec["name"].str.replace(" ", ""))["entity_id"].nunique()
    assert (groups >= 2).any()


def test_pinyin_variant_matches_chinese_name(data):
    over = _with_truth(data, "overseas", "Customer ID")
    over = over[over["trap"] == "pinyin_variant"]
    assert len(over) > 0
    cn = pd.concat([_with_truth(data, "pos", "会员编号").rename(columns={"姓名": "name"}),
                    _with_truth(data, "web", "用户ID").rename(columns={"收货人": "name"})])
    cn = cn[cn["trap"] == "pinyin_variant"].drop_duplicates("entity_id").set_index("entity_id")
    hits = 0
    for _, row in over.iterrows():
        latin = sorted([row["First Name"].lower(), row["Last Name"].lower()])
        name = cn.loc[row["entity_id"], "name"].replace(" ", "")
        chinese = sorted([lazy_pinyin(name[0])[0], "".join(lazy_pinyin(name[1:]))])
        hits += latin == chinese
        assert not re.search(r"[\u4e00-\u9fff]", row["First Name"] + row["Last Name"])
    assert hits >= len(over) * 0.8


def test_suppression_rows_name_one_contact_found_on_records(data):
    _, truth = data
    sup = _with_truth(data, "suppression", "请求编号")
    filled = (sup[["手机号码", "电子邮箱", "身份证号"]] != "").sum(axis=1)
    assert (filled == 1).all()
    assert set(sup["类型"]) == {"撤回同意", "删除请求"}
    values = []
    for source, id_col, cols in (("pos", "会员编号", ["手机号码", "身份证号"]), ("web", "用户ID", ["联系电话", "电子邮箱"]),
                                 ("school", "客户编号", ["电话", "邮箱"]), ("overseas", "Customer ID", ["Phone", "Email"])):
        df = _with_truth(data, source, id_col)
        for c in cols:
            v = df[c].astype(str).str.lower().str.replace(r"\.0$", "", regex=True)
            v = v.str.replace(r"[\s\-+]", "", regex=True).str.replace(r"^(0086|86)(?=1\d{10}$)", "", regex=True)
            values.append(pd.DataFrame({"entity_id": df["entity_id"], "rid": df["_rid"], "value": v}))
    found = pd.concat(values)
    single = 0
    for _, row in sup.iterrows():
        contact = (row["手机号码"] or row["电子邮箱"] or row["身份证号"]).lower().replace("+", "")
        hits = found[found["value"] == contact]
        assert set(hits["entity_id"]) <= {row["entity_id"]}
        assert (len(hits) >= 1) == ("UNMATCHED" not in row["variants"])
        if "SINGLE_RECORD" in row["variants"]:
            n_records = (truth["entity_id"] == row["entity_id"]).sum() - 1
            assert n_records >= 2 and hits["rid"].nunique() == 1
            single += 1
    assert single >= 1


def test_minor_flag_matches_id_birth_date(data):
    df = _with_truth(data, "pos", "会员编号")
    df = df[(df["身份证号"] != "") & ~df["defects"].str.contains("ID_CHECKSUM")]
    born = pd.to_datetime(df["身份证号"].str[6:14], format="%Y%m%d")
    under14 = born > TRANSFER - pd.DateOffset(years=14)
    assert (under14 == (df["minor"] == "True")).all()
    assert under14.any()


def test_inactive_flag_matches_last_activity(data):
    frames = []
    for source, id_col, col, fmt in (("pos", "会员编号", "最近消费日期", "%Y-%m-%d"), ("web", "用户ID", "最后下单时间", "%Y-%m-%d %H:%M:%S"),
                                     ("overseas", "Customer ID", "Last Order Date", "%m/%d/%Y")):
        df = _with_truth(data, source, id_col)
        frames.append(pd.DataFrame({"e": df["entity_id"], "last": pd.to_datetime(df[col], format=fmt), "inactive": df["inactive"]}))
    school = _with_truth(data, "school", "客户编号")
    frames.append(pd.DataFrame({"e": school["entity_id"], "last": pd.to_datetime(school["最近采购日期"]), "inactive": school["inactive"]}))
    rec = pd.concat(frames)
    latest = rec.groupby("e").agg(last=("last", "max"), inactive=("inactive", "first"))
    old = latest["last"] < TRANSFER - pd.DateOffset(years=3)
    assert (old == (latest["inactive"] == "True")).all()
    assert (rec["last"] < pd.Timestamp(date.today())).all()


@pytest.mark.parametrize("code, source, id_col, field, check", [
    ("EMAIL_SYNTAX", "web", "用户ID", "电子邮箱", lambda d: ~d["电子邮箱"].str.fullmatch(r"[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}")),
    ("BIRTH_FUTURE", "pos", "会员编号", "出生日期", lambda d: d["出生日期"].str[:4].astype(int) > 2026),
    ("ACTIVITY_BEFORE_SIGNUP", "pos", "会员编号", "注册日期", lambda d: d["注册日期"] > d["最近消费日期"]),
    ("ACTIVITY_BEFORE_SIGNUP", "web", "用户ID", "注册时间", lambda d: d["注册时间"].str[:10] > d["最后下单时间"].str[:10]),
])
def test_injected_defects_are_really_defective(data, code, source, id_col, field, check):
    df = _with_truth(data, source, id_col)
    injected = df["defects"].str.contains(code)
    present = df[field] != ""
    assert injected.any()
    assert check(df[injected]).all()
    assert not check(df[~injected & present]).any()


def test_duplicates_of_one_person_share_the_entity(data):
    _, truth = data
    rec = truth[truth["source"] != "suppression"]
    per = rec.groupby("entity_id")["source"].agg(["size", "nunique"])
    assert (per["size"] > 1).any() and ((per["size"] > 1) & (per["nunique"] == 1)).any()
    variants = ";".join(rec["variants"])
    for v in ("TRAD_CHARS", "SPACED_NAME", "PHONE_TYPO", "EMAIL_CASE", "ADDR_SHORT"):
        assert v in variants


def test_params_out_paths_relative_to_params_folder(tmp_path):
    out, params = tmp_path / "data", tmp_path / "cfg" / "rehearsal.yaml"
    res = CliRunner().invoke(synth_command, ["--entities", "40", "--seed", str(SEED), "--out", str(out),
                                             "--params-out", str(params)])
    assert res.exit_code == 0, res.output
    p = yaml.safe_load(params.read_text(encoding="utf-8"))
    assert list(p) == ["client", "deal", "sources", "suppression", "policy", "keys", "quality"]
    assert [s["name"] for s in p["sources"]] == ["pos", "web", "school", "overseas"]
    for s in p["sources"] + p["suppression"]:
        assert s["path"].startswith("../data/") and (params.parent / s["path"]).exists()
    assert p["policy"] == {"transfer_date": date(2026, 12, 1), "retention_years": 3, "minors": "exclude"}
    assert [g["metric"] for g in p["quality"]["gates"]] == ["validity.phone.before", "uniqueness.after", "overall.after"]
    assert not (out / "params.yaml").exists()


@pytest.mark.parametrize("data_in, match", [
    ({"withdrawn": 2}, r"rates\.withdrawn: received 2; a rate is a share between 0 and 1"),
    ({"withdrawal": 0.1}, r"unknown key 'withdrawal' \(did you mean 'withdrawn'\?\)"),
    ({"eu": "3%"}, r"rates\.eu: received '3%' \(str\); expected int or float"),
    ({"eu": 0.3, "school": 0.3}, r"keep it <= 0.5"),
])
def test_rates_reject_bad_values(data_in, match):
    with pytest.raises(ParamsError, match=match):
        SynthRates.from_dict(data_in)


@pytest.mark.parametrize("entities, seed, match", [(5, 1, r"received 5; generate at least 20"),
                                                   (50, -1, r"seed: received -1"), (50.0, 1, r"expected int")])
def test_generate_rejects_bad_arguments(tmp_path, entities, seed, match):
    with pytest.raises(ParamsError, match=match):
        generate(entities, seed, tmp_path)


@pytest.mark.parametrize("first17, check", [("11010519491231002", "X"), ("44052418800101001", "4"),
                                            ("11010119900307803", "X")])
def test_id_check_digit_table(first17, check):
    assert id_check_digits(np.array([first17], dtype=object))[0] == check


@pytest.mark.parametrize("labels, expected", [({"A": [True, False], "B": [False, False]}, ["A", ""]),
                                              ({"A": [True, True], "B": [True, False]}, ["A;B", "A"])])
def test_label_join(labels, expected):
    assert label_join({k: np.array(v) for k, v in labels.items()}, 2).tolist() == expected
