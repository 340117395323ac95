"""Which prefecture-level city lies in which province, for the city-in-province consistency check.

The cleaning stage embeds the GB/T 2260 table as ``src/migration_kit/data/clean_*.csv``. When a CSV
there has a 6-digit code column and a name column, the map is built from it (city code ``PPCC00``
belongs to province ``PP0000``; districts ``PPCCDD`` are also listed under their province, so a
municipality's districts pass) and merged with a small internal map (provincial capitals and large
cities), which is used alone when no such CSV exists. Both are partial, so the check only judges
cities the map knows.

Example
-------
>>> m = province_city_map()
>>> "杭州市" in m["浙江省"]
True
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

__all__ = ["MAP_SOURCE", "city_owner_map", "province_city_map"]

_DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: Small fallback map: province -> known prefecture-level cities (partial on purpose).
_INTERNAL: dict[str, tuple[str, ...]] = {
    "北京市": ("北京市",),
    "天津市": ("天津市",),
    "上海市": ("上海市",),
    "重庆市": ("重庆市",),
    "河北省": ("石家庄市", "唐山市", "保定市", "邯郸市", "廊坊市", "秦皇岛市"),
    "山西省": ("太原市", "大同市", "运城市"),
    "内蒙古自治区": ("呼和浩特市", "包头市", "鄂尔多斯市"),
    "辽宁省": ("沈阳市", "大连市", "鞍山市"),
    "吉林省": ("长春市", "吉林市"),
    "黑龙江省": ("哈尔滨市", "齐齐哈尔市", "大庆市"),
    "江苏省": ("南京市", "苏州市", "无锡市", "常州市", "南通市", "徐州市", "扬州市"),
    "浙江省": ("杭州市", "宁波市", "温州市", "绍兴市", "嘉兴市", "金华市", "台州市"),
    "安徽省": ("合肥市", "芜湖市", "蚌埠市"),
    "福建省": ("福州市", "厦门市", "泉州市"),
    "江西省": ("南昌市", "赣州市", "九江市"),
    "山东省": ("济南市", "青岛市", "烟台市", "潍坊市", "临沂市"),
    "河南省": ("郑州市", "洛阳市", "开封市", "南阳市"),
    "湖北省": ("武汉市", "宜昌市", "襄阳市"),
    "湖南省": ("长沙市", "株洲市", "湘潭市", "衡阳市"),
    "广东省": ("广州市", "深圳市", "珠海市", "佛山市", "东莞市", "中山市", "汕头市", "惠州市"),
    "广西壮族自治区": ("南宁市", "桂林市", "柳州市"),
    "海南省": ("海口市", "三亚市"),
    "四川省": ("成都市", "绵阳市", "宜宾市"),
    "贵州省": ("贵阳市", "遵义市"),
    "云南省": ("昆明市", "大理白族自治州", "曲靖市"),
    "西藏自治区": ("拉萨市",),
    "陕西省": ("西安市", "宝鸡市", "咸阳市"),
    "甘肃省": ("兰州市", "天水市"),
    "青海省": ("西宁市",),
    "宁夏回族自治区": ("银川市",),
    "新疆维吾尔自治区": ("乌鲁木齐市", "克拉玛依市"),
}

#: Which table the map came from (``internal`` or the CSV file name), for the report.
MAP_SOURCE: dict[str, str] = {"source": "internal"}


def _from_csv() -> dict[str, set[str]] | None:
    for path in sorted(_DATA_DIR.glob("clean_*.csv")):
        try:
            df = pd.read_csv(path, dtype=str, encoding="utf-8")
        except Exception:
            continue
        cols = {c.lower(): c for c in df.columns}
        code_col = next((cols[c] for c in ("code", "region_code", "adcode") if c in cols), None)
        name_col = next((cols[c] for c in ("name", "region_name") if c in cols), None)
        if code_col is None or name_col is None:
            continue
        codes = df[code_col].fillna("").str.strip()
        ok = codes.str.fullmatch(r"\d{6}")
        if ok.sum() < 30:
            continue
        codes, names = codes[ok], df.loc[ok, name_col].fillna("").str.strip()
        prov_names = dict(
            zip(
                codes[codes.str.endswith("0000")].str[:2],
                names[codes.str.endswith("0000")],
                strict=True,
            )
        )
        out: dict[str, set[str]] = {p: {p} for p in prov_names.values()}
        for code, name in zip(codes, names, strict=True):
            prov = prov_names.get(code[:2])
            if prov and not code.endswith("0000") and name:
                out[prov].add(name)
        MAP_SOURCE["source"] = path.name
        return out
    return None


@functools.lru_cache(maxsize=1)
def province_city_map() -> dict[str, frozenset[str]]:
    """Return province full name -> frozenset of city (and district) full names."""
    table = {p: set(c) | {p} for p, c in _INTERNAL.items()}
    csv = _from_csv()
    if csv is None:
        MAP_SOURCE["source"] = "internal"
    for prov, cities in (csv or {}).items():  # the GB/T 2260 table extends the internal map
        table.setdefault(prov, {prov}).update(cities)
    return {p: frozenset(c) for p, c in table.items()}


@functools.lru_cache(maxsize=1)
def city_owner_map() -> dict[str, frozenset[str]]:
    """Return city name -> provinces listing it (a few names exist in several provinces)."""
    owners: dict[str, set[str]] = {}
    for prov, cities in province_city_map().items():
        for city in cities:
            owners.setdefault(city, set()).add(prov)
    return {c: frozenset(p) for c, p in owners.items()}
