"""Address, country and postcode cleaning as data tables."""
from __future__ import annotations

import pandas as pd
import pytest

from migration_kit.clean.address import clean_address, clean_country, clean_postcode, region_table

CASES = [
    # free text, province, city, district, region_code, reason
    ("北京朝阳区建国路1号", "北京市", "北京市", "朝阳区", "110105", None),
    ("北京市朝阳区建国路1号", "北京市", "北京市", "朝阳区", "110105", None),
    ("深圳南山区科技园", "广东省", "深圳市", "南山区", "440305", None),
    ("广东深圳南山区", "广东省", "深圳市", "南山区", "440305", None),
    ("广东省深圳市南山区粤海街道", "广东省", "深圳市", "南山区", "440305", None),
    ("上海市浦东新区张江路", "上海市", "上海市", "浦东新区", "310115", None),
    ("上海浦东张江", "上海市", "上海市", "浦东新区", "310115", None),
    ("重庆渝中区解放碑", "重庆市", "重庆市", "渝中区", "500103", None),
    ("天津市滨海新区", "天津市", "天津市", "滨海新区", "120116", None),
    ("杭州西湖区文三路", "浙江省", "杭州市", "西湖区", "330106", None),
    ("四川省成都市武侯区", "四川省", "成都市", "武侯区", "510107", None),
    ("陕西西安雁塔区", "陕西省", "西安市", "雁塔区", "610113", None),
    ("湖北省 武汉市 洪山区", "湖北省", "武汉市", "洪山区", "420111", None),
    ("浙江省宁波市海曙区", "浙江省", "宁波市", "海曙区", "330203", None),
    ("湖北仙桃市沔阳大道1号", "湖北省", None, "仙桃市", "429004", None),  # county-level city under a province
    ("新疆乌鲁木齐市天山区", "新疆维吾尔自治区", "乌鲁木齐市", "天山区", "650102", None),
    # a short name followed by 区/路 belongs to another name: no province, so nothing is guessed
    ("朝阳区建国路1号", None, None, None, None, "ADDRESS_UNRESOLVED"),
    ("中山路88号", None, None, None, None, "ADDRESS_UNRESOLVED"),
    ("北京朝阳路8号", "北京市", "北京市", None, "110000", None),
    ("中山市石岐区中山路1号", "广东省", "中山市", None, "442000", None),
    ("哈尔滨道里区利街24号", "黑龙江省", "哈尔滨市", "道里区", "230102", None),
    ("唐山路北区", "河北省", "唐山市", "路北区", "130203", None),
    ("吉林省吉林市", "吉林省", "吉林市", None, "220200", None),
    ("吉林市", "吉林省", "吉林市", None, "220200", None),
    ("新疆乌鲁木齐", "新疆维吾尔自治区", "乌鲁木齐市", None, "650100", None),
    ("广西南宁", "广西壮族自治区", "南宁市", None, "450100", None),
    ("香港特别行政区", "香港特别行政区", None, None, "810000", None),
    ("北京", "北京市", "北京市", None, "110000", None),  # city-only field
    ("深圳", "广东省", "深圳市", None, "440300", None),
    ("广东省", "广东省", None, None, "440000", None),
    ("某某路12号", None, None, None, None, "ADDRESS_UNRESOLVED"),
    ("鼓楼区中山路", None, None, None, None, "ADDRESS_UNRESOLVED"),  # district alone is ambiguous
    ("123 Main Street, Springfield", None, None, None, None, None),  # not Chinese: no failure
    (None, None, None, None, None, None),
]


@pytest.mark.parametrize("text, province, city, district, code, reason", CASES)
def test_address_cases(text, province, city, district, code, reason):
    out = clean_address(pd.Series([text], dtype=object))
    assert out.iloc[0, 1:].tolist() == [province, city, district, code, reason]


STRUCTURED = [
    # province, city, district, address, expected (province, city, district, code)
    ("广东省", "深圳", None, "南山区科技园", ("广东省", "深圳市", "南山区", "440305")),
    ("广东", "深圳市", "南山区", "广东省深圳市南山区科技园", ("广东省", "深圳市", "南山区", "440305")),  # repeated
    (None, "北京", None, None, ("北京市", "北京市", None, "110000")),
    ("上海", None, None, "浦东新区", ("上海市", "上海市", "浦东新区", "310115")),
]


@pytest.mark.parametrize("province, city, district, address, expected", STRUCTURED)
def test_structured_fields(province, city, district, address, expected):
    def s(v):
        return pd.Series([v], dtype=object)
    out = clean_address(s(address), s(province), s(city), s(district))
    assert tuple(out.iloc[0][["province", "city", "district", "region_code"]]) == expected


def test_address_text_is_cleaned():
    out = clean_address(pd.Series(["  北京市　朝阳区 ", None], dtype=object))
    assert out["address"].tolist() == ["北京市 朝阳区", None]


def test_region_table_coverage():
    by_code, _, _ = region_table()
    provinces = [r for r in by_code.values() if r.level == "province"]
    assert len(provinces) == 34
    assert len(by_code) > 3000 and sum(r.level == "city" for r in by_code.values()) > 330
    for r in by_code.values():  # every unit's parent is in the table, one level up
        assert r.level == "province" or by_code[r.parent_code].level in {"province", "city"}, r
    for city_code in ("110000", "120000", "310000", "500000", "440100", "440300", "330100", "510100", "420100",
                      "320100", "610100"):
        assert any(r.level == "district" and r.parent_code == city_code for r in by_code.values()), city_code


COUNTRIES = [
    ("Germany", "DE", None), ("Deutschland", "DE", None), ("DE", "DE", None), ("deu", "DE", None),
    ("United Kingdom", "GB", None), ("UK", "GB", None), ("U.K.", "GB", None), ("中国", "CN", None),
    ("中华人民共和国", "CN", None), ("China", "CN", None), ("USA", "US", None), ("美国", "US", None),
    ("Österreich", "AT", None), ("Oesterreich", "AT", None), ("España", "ES", None), ("Ireland", "IE", None),
    ("法国", "FR", None), ("  france ", "FR", None), ("Atlantis", None, "COUNTRY_UNKNOWN"), (None, None, None),
]


@pytest.mark.parametrize("raw, iso2, reason", COUNTRIES)
def test_country_cases(raw, iso2, reason):
    assert clean_country(pd.Series([raw], dtype=object)).iloc[0].tolist() == [iso2, reason]


EU = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
      "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"]


@pytest.mark.parametrize("code", EU)
def test_every_eu_member_known(code):
    assert clean_country(pd.Series([code.lower()])).iloc[0].tolist() == [code, None]


POSTCODES = [
    ("518000", "CN", "518000", None), ("518 000", "CN", "518000", None), ("５１８０００", "CN", "518000", None),
    ("51800", "CN", None, "POSTCODE_INVALID"), ("sw1a 1aa", "GB", "SW1A 1AA", None), ("10115", "DE", "10115", None),
    (None, "CN", None, None),
]


@pytest.mark.parametrize("raw, country, postcode, reason", POSTCODES)
def test_postcode_cases(raw, country, postcode, reason):
    out = clean_postcode(pd.Series([raw], dtype=object), pd.Series([country], dtype=object))
    assert out.iloc[0].tolist() == [postcode, reason]
