"""Embedded reference tables: GB/T 2260 district codes, area codes, postcodes, foreign phone plans.

Only what the rehearsal generator needs: a few dozen Chinese cities with some of their urban
districts (real GB/T 2260 codes), the city's telephone area code and postcode prefix, and for each
foreign country the Faker locale and a mobile numbering plan that ``phonenumbers`` accepts.

Example
-------
>>> t = district_table()
>>> t.loc[t["district"] == "南山区", "code"].item()
'440305'
"""

from __future__ import annotations

import pandas as pd

__all__ = [
    "CITIES",
    "EU_COUNTRIES",
    "FOREIGN",
    "OTHER_COUNTRIES",
    "PINYIN_ABROAD",
    "district_table",
]

#: (province, city, area code, postcode prefix, ((district, GB/T 2260 code), ...))
CITIES: tuple[tuple[str, str, str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "北京市",
        "北京市",
        "010",
        "100",
        (
            ("东城区", "110101"),
            ("西城区", "110102"),
            ("朝阳区", "110105"),
            ("丰台区", "110106"),
            ("石景山区", "110107"),
            ("海淀区", "110108"),
        ),
    ),
    (
        "上海市",
        "上海市",
        "021",
        "200",
        (
            ("黄浦区", "310101"),
            ("徐汇区", "310104"),
            ("长宁区", "310105"),
            ("静安区", "310106"),
            ("普陀区", "310107"),
            ("闵行区", "310112"),
            ("浦东新区", "310115"),
        ),
    ),
    (
        "天津市",
        "天津市",
        "022",
        "300",
        (("和平区", "120101"), ("河西区", "120103"), ("南开区", "120104")),
    ),
    (
        "重庆市",
        "重庆市",
        "023",
        "400",
        (
            ("渝中区", "500103"),
            ("江北区", "500105"),
            ("沙坪坝区", "500106"),
            ("九龙坡区", "500107"),
        ),
    ),
    (
        "广东省",
        "广州市",
        "020",
        "510",
        (("越秀区", "440104"), ("海珠区", "440105"), ("天河区", "440106"), ("白云区", "440111")),
    ),
    (
        "广东省",
        "深圳市",
        "0755",
        "518",
        (
            ("罗湖区", "440303"),
            ("福田区", "440304"),
            ("南山区", "440305"),
            ("宝安区", "440306"),
            ("龙岗区", "440307"),
        ),
    ),
    (
        "浙江省",
        "杭州市",
        "0571",
        "310",
        (("上城区", "330102"), ("拱墅区", "330105"), ("西湖区", "330106"), ("滨江区", "330108")),
    ),
    (
        "浙江省",
        "宁波市",
        "0574",
        "315",
        (("海曙区", "330203"), ("江北区", "330205"), ("鄞州区", "330212")),
    ),
    (
        "江苏省",
        "南京市",
        "025",
        "210",
        (("玄武区", "320102"), ("秦淮区", "320104"), ("建邺区", "320105"), ("鼓楼区", "320106")),
    ),
    (
        "江苏省",
        "苏州市",
        "0512",
        "215",
        (("虎丘区", "320505"), ("吴中区", "320506"), ("相城区", "320507"), ("姑苏区", "320508")),
    ),
    (
        "四川省",
        "成都市",
        "028",
        "610",
        (
            ("锦江区", "510104"),
            ("青羊区", "510105"),
            ("金牛区", "510106"),
            ("武侯区", "510107"),
            ("成华区", "510108"),
        ),
    ),
    (
        "湖北省",
        "武汉市",
        "027",
        "430",
        (
            ("江岸区", "420102"),
            ("江汉区", "420103"),
            ("硚口区", "420104"),
            ("武昌区", "420106"),
            ("洪山区", "420111"),
        ),
    ),
    (
        "陕西省",
        "西安市",
        "029",
        "710",
        (("新城区", "610102"), ("碑林区", "610103"), ("莲湖区", "610104"), ("雁塔区", "610113")),
    ),
    ("山东省", "济南市", "0531", "250", (("历下区", "370102"), ("市中区", "370103"))),
    (
        "山东省",
        "青岛市",
        "0532",
        "266",
        (("市南区", "370202"), ("市北区", "370203"), ("崂山区", "370212")),
    ),
    (
        "湖南省",
        "长沙市",
        "0731",
        "410",
        (("芙蓉区", "430102"), ("天心区", "430103"), ("岳麓区", "430104"), ("开福区", "430105")),
    ),
    (
        "河南省",
        "郑州市",
        "0371",
        "450",
        (("中原区", "410102"), ("二七区", "410103"), ("金水区", "410105")),
    ),
    ("福建省", "福州市", "0591", "350", (("鼓楼区", "350102"), ("台江区", "350103"))),
    ("福建省", "厦门市", "0592", "361", (("思明区", "350203"), ("湖里区", "350206"))),
    ("辽宁省", "沈阳市", "024", "110", (("和平区", "210102"), ("沈河区", "210103"))),
    ("辽宁省", "大连市", "0411", "116", (("中山区", "210202"), ("西岗区", "210203"))),
    (
        "安徽省",
        "合肥市",
        "0551",
        "230",
        (("瑶海区", "340102"), ("庐阳区", "340103"), ("蜀山区", "340104"), ("包河区", "340111")),
    ),
    ("云南省", "昆明市", "0871", "650", (("五华区", "530102"), ("盘龙区", "530103"))),
    ("黑龙江省", "哈尔滨市", "0451", "150", (("道里区", "230102"), ("南岗区", "230103"))),
    ("河北省", "石家庄市", "0311", "050", (("长安区", "130102"), ("桥西区", "130104"))),
)

#: Foreign countries: ISO code -> (Faker locale, region, mobile prefix (E.164), random digits
#: after it).
#: Every prefix/length pair was checked with ``phonenumbers.is_valid_number``.
FOREIGN: dict[str, tuple[str, str, str, int]] = {
    "DE": ("de_DE", "EU", "+49151", 8),
    "FR": ("fr_FR", "EU", "+3361", 7),
    "IT": ("it_IT", "EU", "+39347", 7),
    "ES": ("es_ES", "EU", "+346", 8),
    "NL": ("nl_NL", "EU", "+3161", 7),
    "US": ("en_US", "OTHER", "+14152", 6),
    "GB": ("en_GB", "OTHER", "+44750", 7),
    "AU": ("en_AU", "OTHER", "+6141", 7),
    "CA": ("en_CA", "OTHER", "+14162", 6),
}
EU_COUNTRIES: tuple[str, ...] = tuple(c for c, v in FOREIGN.items() if v[1] == "EU")
OTHER_COUNTRIES: tuple[str, ...] = tuple(c for c, v in FOREIGN.items() if v[1] == "OTHER")
#: Countries where Chinese customers abroad (pinyin-name trap) ship their overseas orders.
PINYIN_ABROAD: tuple[str, ...] = ("US", "GB", "AU", "CA")


def district_table() -> pd.DataFrame:
    """Return one row per embedded district.

    Returns
    -------
    pandas.DataFrame
        Columns ``province, city, district, code, area_code, postcode, city_short, province_short,
        municipality`` in a stable order.

    Example
    -------
    >>> district_table().iloc[0][["city", "district", "code"]].tolist()
    ['北京市', '东城区', '110101']
    """
    rows = []
    for province, city, area, post, districts in CITIES:
        for k, (district, code) in enumerate(districts):
            rows.append(
                {
                    "province": province,
                    "city": city,
                    "district": district,
                    "code": code,
                    "area_code": area,
                    "postcode": f"{post}{k:02d}0"[:6],
                    "city_short": city[:-1],
                    "province_short": province[:-1],
                    "municipality": province == city,
                }
            )
    return pd.DataFrame(rows)
