"""Format planned records as each seller system exports them (headers, date/phone/address styles).

Four systems, differing the way real exports do:

* ``pos``: store membership, Chinese headers, mixed birth-date formats, plain mobiles.
* ``web``: web shop, Chinese headers, one free-text address, many phone formats, timestamps.
* ``school``: school/club bulk buyers, contact persons with honorifics, landlines, numeric phone
  cells.
* ``overseas``: Shopify-like English export, Latin names (pinyin for Chinese abroad), MM/DD/YYYY.

Example
-------
>>> sorted(COLUMNS)
['overseas', 'pos', 'school', 'web']
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from .pools import Pools
from .regions import FOREIGN, PINYIN_ABROAD

__all__ = ["COLUMNS", "ID_COLUMN", "date_strings", "entity_addresses", "format_source", "money"]

#: Canonical field -> column header, per source (written into params.yaml).
COLUMNS: dict[str, dict[str, str | list[str]]] = {
    "pos": {
        "full_name": "姓名",
        "gender": "性别",
        "birth_date": "出生日期",
        "phone": "手机号码",
        "id_number": "身份证号",
        "city": "所在城市",
        "created_at": "注册日期",
        "last_activity_at": "最近消费日期",
        "total_spent": "累计消费金额",
        "order_count": "消费次数",
        "marketing_consent": "营销同意",
    },
    "web": {
        "full_name": "收货人",
        "phone": "联系电话",
        "email": "电子邮箱",
        "address": "收货地址",
        "postcode": "邮编",
        "created_at": "注册时间",
        "last_activity_at": "最后下单时间",
        "order_count": "订单数",
        "total_spent": "消费总额",
    },
    "school": {
        "organization": "单位名称",
        "full_name": "联系人",
        "phone": "电话",
        "email": "邮箱",
        "address": "地址",
        "created_at": "建档日期",
        "last_activity_at": "最近采购日期",
        "total_spent": "采购总额",
    },
    "overseas": {
        "given_name": "First Name",
        "family_name": "Last Name",
        "email": "Email",
        "phone": "Phone",
        "address": "Address1",
        "city": "City",
        "province": "Province",
        "country": "Country Code",
        "postcode": "Zip",
        "marketing_consent": "Accepts Email Marketing",
        "total_spent": "Total Spent",
        "order_count": "Total Orders",
        "created_at": "Created At",
        "last_activity_at": "Last Order Date",
    },
}
ID_COLUMN: dict[str, str] = {
    "pos": "会员编号",
    "web": "用户ID",
    "school": "客户编号",
    "overseas": "Customer ID",
}


def _s(values: npt.ArrayLike) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def money(cents: np.ndarray) -> pd.Series:
    """Exact 2-decimal strings from integer cents (money is never a float on its way to a file).

    Example
    -------
    >>> money(np.array([12345, 7, 179256])).tolist()
    ['123.45', '0.07', '1792.56']
    """
    c = pd.Series(np.asarray(cents, dtype=np.int64))
    return ((c // 100).astype(str) + "." + (c % 100).astype(str).str.zfill(2)).astype(object)


def _ymd(dates: np.ndarray) -> tuple[pd.Series, pd.Series, pd.Series]:
    d = pd.DatetimeIndex(dates)
    d = d.where(d.notna(), pd.Timestamp("2000-01-01"))  # blanked by the caller
    return _s(d.year.astype(str)), _s(d.month.astype(str)), _s(d.day.astype(str))


def date_strings(dates: np.ndarray, fmt: str) -> pd.Series:
    """Format dates as ``%Y-%m-%d``, ``%Y-%m-%d %H:%M:%S`` or ``%m/%d/%Y``.

    Uses numpy's datetime formatting, no per-row strftime.
    """
    unit: Literal["s", "D"] = "s" if "%H" in fmt else "D"
    iso = _s(np.datetime_as_string(np.asarray(dates).astype(f"datetime64[{unit}]"), unit=unit))
    if fmt == "%Y-%m-%d %H:%M:%S":
        out = iso.str[:10] + " " + iso.str[11:]
    elif fmt == "%m/%d/%Y":
        out = iso.str[5:7] + "/" + iso.str[8:10] + "/" + iso.str[:4]
    elif fmt == "%Y-%m-%d":
        out = iso
    else:
        raise ValueError(f"unsupported date format {fmt!r}")
    return out.where(iso != "NaT", "").astype(object)


def _names(ent: pd.DataFrame, style: np.ndarray) -> pd.Series:
    fam, giv = _s(ent["family"]), _s(ent["given"])
    out = fam + giv
    trad, spaced = style == "trad", style == "spaced"
    out[trad] = (_s(ent["family_trad"]) + _s(ent["given_trad"]))[trad]
    out[spaced] = (fam + " " + giv)[spaced]
    return out


def _record_ids(
    rng: np.random.Generator, created: np.ndarray, prefix: str, width: int, start: int
) -> tuple[pd.Series, np.ndarray]:
    """Ids that grow with the sign-up date (ties broken at random), as real systems number them.

    Returns the ids and the order that sorts the records by id (the file order).
    """
    order = np.lexsort((rng.random(len(created)), created))
    rank = np.empty(len(created), dtype=np.int64)
    rank[order] = np.arange(len(created))
    return prefix + pd.Series(start + rank).astype(str).str.zfill(width), order


def _cn_phone(rng: np.random.Generator, phone: pd.Series, weights: list[float]) -> pd.Series:
    """Render 11-digit mobiles in one of: plain, spaced, +86 dashed, 0086, 86, +86."""
    style = rng.choice(6, size=len(phone), p=np.array(weights) / sum(weights))
    style[(phone.str.len() != 11).to_numpy()] = 0
    out = phone.copy()
    for k in range(1, 6):
        m = style == k
        if not m.any():
            continue
        p = phone[m]
        a, b, c = p.str[:3], p.str[3:7], p.str[7:]
        out[m] = [
            None,
            a + " " + b + " " + c,
            "+86 " + a + "-" + b + "-" + c,
            "0086" + p,
            "86" + p,
            "+86" + p,
        ][k]
    return out


def _cn_address(ent: pd.DataFrame, short: np.ndarray) -> pd.Series:
    tail = _s(ent["district"]) + _s(ent["street"]) + _s(ent["house"].astype(str)) + "号"
    muni = ent["municipality"].to_numpy()
    full = np.where(muni, _s(ent["city"]) + tail, _s(ent["province"]) + _s(ent["city"]) + tail)
    return _s(np.where(short, _s(ent["city_short"]) + tail, full))


def entity_addresses(rng: np.random.Generator, e: pd.DataFrame, pools: Pools) -> pd.DataFrame:
    """Foreign address (and country) of each entity that appears in the overseas shop.

    Example
    -------
    >>> import numpy as np
    >>> from migration_kit.synthetic.pools import build_pools
    >>> e = pd.DataFrame({"country": ["DE", "CN"], "trap": ["", "pinyin_variant"]})
    >>> out = entity_addresses(np.random.default_rng(0), e, build_pools(0))
    >>> out["ship_country"].iloc[1] in PINYIN_ABROAD
    True
    """
    n = len(e)
    country = e["country"].to_numpy(dtype=object).copy()
    abroad = np.array(PINYIN_ABROAD, dtype=object)
    country = np.where(country == "CN", abroad[rng.integers(0, len(abroad), size=n)], country)
    out = pd.DataFrame(
        {"ship_country": country, "street": "", "ship_city": "", "ship_province": "", "zip": ""}
    )
    for c in FOREIGN:
        m = country == c
        if m.any():
            pool = pools.addresses[c]
            pick = pool.iloc[rng.integers(0, len(pool), size=int(m.sum()))]
            out.loc[m, ["street", "ship_city", "ship_province", "zip"]] = pick.to_numpy(
                dtype=object
            )
    return out


def format_source(
    name: str,
    r: pd.DataFrame,
    ent: pd.DataFrame,
    rng: np.random.Generator,
    foreign_addr: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """Render the records of one source as its export table.

    Parameters
    ----------
    name : {"pos", "web", "school", "overseas"}
    r : pandas.DataFrame
        The source's rows of :func:`~migration_kit.synthetic.records.make_records` (RangeIndex).
    ent : pandas.DataFrame
        The entity row of each record, aligned with ``r``.
    rng : numpy.random.Generator
    foreign_addr : pandas.DataFrame, optional
        Rows of :func:`entity_addresses` aligned with ``r`` (overseas only).

    Returns
    -------
    (pandas.DataFrame, pandas.Series, numpy.ndarray)
        The export table in file order, the record id of each row of ``r``, and the order that
        takes ``r`` to file order.

    Example
    -------
    >>> format_source("nope", pd.DataFrame(), pd.DataFrame(), np.random.default_rng(0))
    Traceback (most recent call last):
    ...
    ValueError: unknown source 'nope'; known sources: overseas, pos, school, web
    """
    if name not in COLUMNS:
        raise ValueError(f"unknown source {name!r}; known sources: {', '.join(sorted(COLUMNS))}")
    m = len(r)
    created, last = r["created"].to_numpy(), r["last"].to_numpy()
    cents = r["cents"].to_numpy(dtype=np.int64)
    spent = money(cents)
    cols = COLUMNS[name]
    if name == "pos":
        rid, order = _record_ids(rng, created, "M", 8, 10_000_001)
        y, mo, d = _ymd(r["birth"].to_numpy())
        fmt = rng.integers(0, 4, size=m)
        pad = lambda s: s.str.zfill(2)  # noqa: E731
        forms = [
            y + "-" + pad(mo) + "-" + pad(d),
            y + "/" + mo + "/" + d,
            y + pad(mo) + pad(d),
            y + "年" + mo + "月" + d + "日",
        ]
        birth = _s([""] * m)
        for k, form in enumerate(forms):
            birth[fmt == k] = form[fmt == k]
        birth[pd.isna(r["birth"]).to_numpy()] = ""
        data = {
            "full_name": _names(ent, r["name_style"].to_numpy()),
            "gender": _s(np.where(ent["gender"].to_numpy() == "M", "男", "女")),
            "birth_date": birth,
            "phone": _cn_phone(rng, _s(r["phone"]), [9, 1, 0, 0, 0, 0]),
            "id_number": _s(r["id_number"]),
            "city": _s(np.where(r["short_address"], ent["city_short"], ent["city"])),
            "created_at": date_strings(created, "%Y-%m-%d"),
            "last_activity_at": date_strings(last, "%Y-%m-%d"),
            "total_spent": spent,
            "order_count": _s(r["order_count"].astype(str)),
            "marketing_consent": _s(np.where(r["consent"], "是", "否")),
        }
    elif name == "web":
        rid, order = _record_ids(rng, created, "WU", 7, 3_000_001)
        secs = lambda: rng.integers(8 * 3600, 23 * 3600, size=m).astype("timedelta64[s]")  # noqa: E731
        post = _s(ent["postcode"]).where(rng.random(m) < 0.8, "")
        data = {
            "full_name": _names(ent, r["name_style"].to_numpy()),
            "phone": _cn_phone(rng, _s(r["phone"]), [4, 1, 2, 1, 1, 1]),
            "email": _s(r["email"]),
            "address": _cn_address(ent, r["short_address"].to_numpy()),
            "postcode": post,
            "created_at": date_strings(
                created.astype("datetime64[s]") + secs(), "%Y-%m-%d %H:%M:%S"
            ),
            "last_activity_at": date_strings(
                last.astype("datetime64[s]") + secs(), "%Y-%m-%d %H:%M:%S"
            ),
            "order_count": _s(r["order_count"].astype(str)),
            "total_spent": spent,
        }
    elif name == "school":
        rid, order = _record_ids(rng, created, "SC", 6, 1)
        full = _names(ent, r["name_style"].to_numpy())
        a = rng.random(m)
        honor = _s(ent["honorific"])
        contact = _s(
            np.where(a < 0.5, _s(ent["family"]) + honor, np.where(a < 0.8, full + honor, full))
        )
        phone = _s(r["phone"]).astype(object)
        numeric = r["numeric_phone"].to_numpy()
        phone[numeric] = pd.to_numeric(phone[numeric]).astype(float).to_numpy(dtype=object)
        data = {
            "organization": _s(ent["org"]),
            "full_name": contact,
            "phone": phone,
            "email": _s(r["email"]),
            "address": _cn_address(ent, np.zeros(m, dtype=bool)),
            "created_at": _s(pd.DatetimeIndex(created).to_pydatetime()),
            "last_activity_at": _s(pd.DatetimeIndex(last).to_pydatetime()),
            # a spreadsheet's number cell: the float nearest the cents, written (and read) as
            # its shortest text, e.g. 695.62
            "total_spent": _s(cents / 100),
        }
    else:
        if foreign_addr is None:
            raise ValueError("format_source('overseas') needs foreign_addr (see entity_addresses)")
        base = 6_100_000_000_000
        rid, order = _record_ids(rng, created, "", 13, base)
        fa = foreign_addr.reset_index(drop=True)
        pin = ent["trap"].to_numpy(dtype=object) == "pinyin_variant"
        first = _s(np.where(pin, _s(ent["given_py"]).str.capitalize(), ent["given"]))
        lastn = _s(np.where(pin, _s(ent["family_py"]).str.capitalize(), ent["family"]))
        swap = pin & (rng.random(m) < 0.3)
        first[swap], lastn[swap] = lastn[swap].to_numpy(), first[swap].to_numpy()
        upper = pin & ~swap & (rng.random(m) < 0.15)
        lastn[upper] = lastn[upper].str.upper()
        phone = _s(r["phone"])
        cn = phone.str.len() == 11
        phone[cn] = ("+86 " + phone)[cn]
        country = _s(np.where(pin, fa["ship_country"], ent["country"]))
        data = {
            "given_name": first,
            "family_name": lastn,
            "email": _s(r["email"]),
            "phone": phone,
            "address": _s(fa["street"]),
            "city": _s(fa["ship_city"]),
            "province": _s(fa["ship_province"]),
            "country": country,
            "postcode": _s(fa["zip"]),
            "marketing_consent": _s(np.where(r["consent"], "yes", "no")),
            "total_spent": spent,
            "order_count": _s(r["order_count"].astype(str)),
            "created_at": date_strings(created, "%m/%d/%Y"),
            "last_activity_at": date_strings(last, "%m/%d/%Y"),
        }
    table = pd.DataFrame({ID_COLUMN[name]: rid.to_numpy(dtype=object)})
    for field, header in cols.items():
        table[header] = data[field].to_numpy(dtype=object)
    return table.iloc[order].reset_index(drop=True), rid, order
