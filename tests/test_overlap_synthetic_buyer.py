"""The synthetic buyer (migration_kit.synthetic.buyer): a known share of the seller's customers,
recorded its own way, and the truth."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from migration_kit.errors import ParamsError
from migration_kit.params import load_params
from migration_kit.synthetic import generate
from migration_kit.synthetic.buyer import BUYER_TRUTH_COLUMNS, generate_buyer


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    base = tmp_path_factory.mktemp("buyer")
    generate(300, 5, base / "seller")
    res = generate_buyer(300, 5, 0.4, base / "buyer")
    return base, res


def _read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_the_same_inputs_give_the_same_bytes(pair, tmp_path):
    res = pair[1]
    again = generate_buyer(300, 5, 0.4, tmp_path)
    for name in ("crm", "app", "truth", "overlap_truth"):
        assert again.paths[name].read_bytes() == res.paths[name].read_bytes()


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.4])
def test_the_share_of_seller_customers_is_the_rate(tmp_path, rate):
    res = generate_buyer(300, 5, rate, tmp_path)
    truth = _read(res.paths["truth"])
    shared = truth.loc[truth["seller_entity_id"] != "", "customer_id"].nunique()
    assert shared == res.counts["shared_customers"] == round(rate * 300)
    assert truth["customer_id"].nunique() == 300
    summary = json.loads(res.paths["overlap_truth"].read_text())
    assert summary["shared_customers"] == summary["shared_at_least_one_identifier"] == shared


def test_truth_names_seller_entities_that_exist(pair):
    base, res = pair
    seller = _read(base / "seller" / "truth.csv")
    truth = _read(res.paths["truth"])
    assert list(truth.columns) == list(BUYER_TRUTH_COLUMNS)
    named = set(truth["seller_entity_id"]) - {""}
    assert named <= set(seller["entity_id"])


def _digits(s: pd.Series) -> pd.Series:
    return s.str.replace(r"\D", "", regex=True).str[-11:]


def test_buyer_only_customers_share_no_phone_or_email_with_the_seller(pair):
    base, res = pair
    seller_phones, seller_mails = set(), set()
    for f in ("pos_members.csv", "web_orders.csv", "overseas_shop.csv"):
        enc = "gbk" if f == "web_orders.csv" else "utf-8-sig"
        t = pd.read_csv(base / "seller" / f, dtype=str, keep_default_na=False, encoding=enc)
        for c in t.columns:
            if "电话" in c or "手机" in c or "phone" in c.lower():
                seller_phones |= set(_digits(t[c])) - {""}
            if "邮箱" in c or "mail" in c.lower():
                seller_mails |= set(t[c].str.lower()) - {""}
    truth = _read(res.paths["truth"]).set_index(["source", "record_id"])
    crm = _read(res.paths["crm"])
    keys = list(zip(["crm"] * len(crm), crm["Customer No"], strict=True))
    crm["seller"] = truth.loc[keys]["seller_entity_id"].to_numpy()
    only = crm[crm["seller"] == ""]
    shared = crm[crm["seller"] != ""]
    assert not set(_digits(only["Mobile"])) & seller_phones
    assert not set(only["Email"].str.lower()) - {""} & seller_mails
    assert set(_digits(shared["Mobile"])) & seller_phones  # the shared ones do share


def test_recorded_differently(pair):
    base, res = pair
    crm, app = _read(res.paths["crm"]), _read(res.paths["app"])
    seller_headers = set(_read(base / "seller" / "pos_members.csv").columns)
    assert not (set(crm.columns) | set(app.columns)) & seller_headers
    phones = pd.concat([crm["Mobile"], app["phone_no"]])
    for prefix in ("+86 ", "0086-", "+86"):
        assert phones.str.startswith(prefix).any(), prefix
    assert (phones.str.fullmatch(r"1\d{10}")).any()
    mails = pd.concat([crm["Email"], app["mail"]])
    assert (mails.str.isupper() & (mails != "")).any()
    assert crm["DOB"].str.fullmatch(r"\d{2}/\d{2}/\d{4}|").all()
    assert app["birthday"].str.fullmatch(r"\d{4}\.\d{2}\.\d{2}|").all()
    # some customers are in both systems: the buyer's own dedupe has work to do
    truth = _read(res.paths["truth"])
    assert truth.groupby("customer_id")["source"].nunique().max() == 2


def test_the_buyer_params_load(pair):
    res = pair[1]
    params = load_params(res.paths["params"])
    assert params.client == "rehearsal-buyer"
    assert [s.name for s in params.sources] == ["crm", "app"]


@pytest.mark.parametrize(("rate", "match"), [(0.95, "use at most"), (1.5, r"in \[0, 1\]")])
def test_an_impossible_rate_is_refused(tmp_path, rate, match):
    with pytest.raises(ParamsError, match=match):
        generate_buyer(300, 5, rate, tmp_path)
