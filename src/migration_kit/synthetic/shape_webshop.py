"""The ``webshop_en`` shape: an English-language web shop (customers in GB, US and AU).

Three exports with English headers that are not the canonical names:

* ``shop_accounts.csv``: registered customers (``First Name``, ``Surname``, ``E-mail address``,
  ``Town``, ``County/State`` ...), dates as DD/MM/YYYY, lifetime value and order count;
* ``orders.csv``: one row per guest checkout (``Billing ...`` columns), ISO timestamps;
* ``newsletter.xlsx``: sign-ups with one ``Name`` column, postcode and date cells.

People come from :mod:`.webshop_people` (traps: namesakes, households, twins), records and their
variants from :mod:`.webshop_records`. The params file only maps columns.

Example
-------
>>> import tempfile, pathlib
>>> res = generate_webshop(60, 1, pathlib.Path(tempfile.mkdtemp()))
>>> sorted(res.paths)
['accounts', 'newsletter', 'orders', 'params', 'truth']
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .rates import SynthResult
from .shapes import SourceFile, check_size, ordered_ids, source_tables, write_shape
from .sources import money
from .webshop_people import COUNTRIES, TRAP_RATES, make_webshop_entities
from .webshop_records import SOURCES, make_webshop_records

__all__ = ["DEAL", "SOURCE_FILES", "generate_webshop", "money"]

#: The three exports and how the params file maps them.
SOURCE_FILES: tuple[SourceFile, ...] = (
    SourceFile(
        "accounts",
        "shop_accounts.csv",
        "Customer No",
        {
            "given_name": "First Name",
            "family_name": "Surname",
            "email": "E-mail address",
            "phone": "Phone",
            "birth_date": "Date of Birth",
            "address": "Address Line 1",
            "city": "Town",
            "province": "County/State",
            "postcode": "Postcode",
            "country": "Country",
            "created_at": "Account Created",
            "last_activity_at": "Last Login",
            "total_spent": "Lifetime Value",
            "order_count": "Orders",
            "marketing_consent": "Marketing Opt-in",
        },
        date_order="DMY",
        extra=("Title",),
    ),
    SourceFile(
        "orders",
        "orders.csv",
        "Order ID",
        {
            "created_at": "Order Date",
            "last_activity_at": "Order Date",
            "given_name": "Billing First Name",
            "family_name": "Billing Last Name",
            "email": "Billing Email",
            "phone": "Billing Phone",
            "birth_date": "Date of Birth (age check)",
            "address": "Billing Address 1",
            "city": "Billing City",
            "province": "Billing State/County",
            "postcode": "Billing Postcode",
            "country": "Billing Country",
            "total_spent": "Order Total",
        },
        date_order="YMD",
        extra=("Payment Method",),
    ),
    SourceFile(
        "newsletter",
        "newsletter.xlsx",
        "Subscriber ID",
        {
            "email": "Email Address",
            "full_name": "Name",
            "postcode": "Postcode",
            "birth_date": "Date of birth",
            "created_at": "Signed Up",
            "marketing_consent": "Subscribed",
        },
        fmt="xlsx",
        sheet="Subscribers",
        date_order="DMY",
    ),
)
#: The params ``deal:`` section.
DEAL: dict[str, object] = {
    "type": "asset_sale",
    "seller": {"name": "Brightcart Online Ltd", "contact": "privacy@seller.example"},
    "recipient": {"name": "Northwind Retail plc", "contact": "dpo@buyer.example", "country": "GB"},
}


def _iso(dates: np.ndarray, unit: Literal["s", "D"]) -> pd.Series:
    text = np.datetime_as_string(np.asarray(dates).astype(f"datetime64[{unit}]"), unit=unit)
    return pd.Series(text, dtype=object).where(text != "NaT", "")


def _dmy(dates: np.ndarray, mdy: np.ndarray | None = None) -> pd.Series:
    iso = _iso(dates, "D")
    d, m, y = iso.str[8:10], iso.str[5:7], iso.str[:4]
    out = d + "/" + m + "/" + y
    if mdy is not None:
        out = out.where(~mdy, m + "/" + d + "/" + y)
    return out.where(iso != "", "")


def _phones(rng: np.random.Generator, phone: np.ndarray, country: np.ndarray) -> np.ndarray:
    """National numbers as people type them, per country (several styles each)."""
    p = pd.Series(phone, dtype=object)
    style = rng.integers(0, 4, size=len(p))
    gb = [
        "0" + p.str[:4] + " " + p.str[4:],
        "0" + p,
        "+44 " + p.str[:4] + " " + p.str[4:],
        "+44" + p,
    ]
    us = [
        "(" + p.str[:3] + ") " + p.str[3:6] + "-" + p.str[6:],
        p.str[:3] + "-" + p.str[3:6] + "-" + p.str[6:],
        "+1 " + p.str[:3] + " " + p.str[3:6] + " " + p.str[6:],
        p.str[:3] + "." + p.str[3:6] + "." + p.str[6:],
    ]
    au = [
        "0" + p.str[:3] + " " + p.str[3:6] + " " + p.str[6:],
        "0" + p,
        "+61 " + p.str[:3] + " " + p.str[3:6] + " " + p.str[6:],
        "+61" + p,
    ]
    out = np.full(len(p), "", dtype=object)
    for c, forms in (("GB", gb), ("US", us), ("AU", au)):
        for k, form in enumerate(forms):
            sel = (country == c) & (style == k) & (phone != "")
            out[sel] = form.to_numpy(dtype=object)[sel]
    return out


def _format(
    name: str, r: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Render one source's records; returns the table in file order, ids, and that order."""
    m = len(r)
    country = r["country"].to_numpy(dtype=object)
    created = r["created"].to_numpy()
    birth = r["birth"].to_numpy()
    src = next(s for s in SOURCE_FILES if s.name == name)
    data: dict[str, object]
    if name == "accounts":
        rid, order = ordered_ids(rng, created, "C", 7, 1_000_001)
        data = {
            "Title": r["title"],
            "given_name": r["given"],
            "family_name": r["family"],
            "email": r["email"],
            "phone": _phones(rng, r["phone"].to_numpy(dtype=object), country),
            "birth_date": _dmy(birth, r["birth_mdy"].to_numpy()),
            "address": r["line"],
            "city": r["city"],
            "province": r["county"],
            "postcode": r["postcode"],
            "country": pd.Series(country).map({c: v[2] for c, v in COUNTRIES.items()}),
            "created_at": _dmy(created),
            "last_activity_at": _dmy(r["last"].to_numpy()),
            "total_spent": money(r["cents"].to_numpy()),
            "order_count": r["orders"].astype(str),
            "marketing_consent": np.where(r["consent"], "Y", "N"),
        }
    elif name == "orders":
        rid, order = ordered_ids(rng, created, "", 6, 100_001)
        pay = np.array(["Card", "Card", "PayPal", "Apple Pay", "Klarna"], dtype=object)
        data = {
            "created_at": _iso(created, "s").str.replace("T", " ", regex=False),
            "given_name": r["given"],
            "family_name": r["family"],
            "email": r["email"],
            "phone": _phones(rng, r["phone"].to_numpy(dtype=object), country),
            "birth_date": _iso(birth, "D"),
            "address": r["line"],
            "city": r["city"],
            "province": r["county"],
            "postcode": r["postcode"],
            "country": country,
            "total_spent": money(r["cents"].to_numpy()),
            "Payment Method": pay[rng.integers(0, len(pay), size=m)],
        }
    else:
        rid, order = ordered_ids(rng, created, "NL", 6, 1)
        full = (r["given"] + " " + r["family"]).str.strip()
        data = {
            "email": r["email"],
            "full_name": full,
            "postcode": r["postcode"],
            "birth_date": pd.Series(pd.DatetimeIndex(birth).to_pydatetime(), dtype=object),
            "created_at": pd.Series(pd.DatetimeIndex(created).to_pydatetime(), dtype=object),
            "marketing_consent": np.where(r["consent"], "yes", "no"),
        }
    table = pd.DataFrame({src.id_column: rid})
    for key, value in data.items():
        header = src.columns.get(key, key)
        assert isinstance(header, str)
        table[header] = np.asarray(value.to_numpy() if isinstance(value, pd.Series) else value)
    return table.iloc[order].reset_index(drop=True), rid, order


def _realised(e: pd.DataFrame, r: pd.DataFrame, labels: pd.DataFrame) -> dict[str, float]:
    n_rec = np.bincount(r["eid"].to_numpy(), minlength=len(e))
    later = r["rank"].to_numpy() > 0
    out = {
        "records_per_entity": float(len(r) / len(e)),
        "duplicate": float((n_rec > 1).mean()),
        "phone": float((r["phone"] != "").mean()),
        "email": float((r["email"] != "").mean()),
        "birth": float(r["birth"].notna().mean()),
    }
    for trap in TRAP_RATES:
        out[trap] = float((e["trap"] == trap).mean())
    for col in labels.columns:
        out[f"variant.{col}"] = float(labels[col].to_numpy()[later].mean()) if later.any() else 0.0
    return out


def generate_webshop(
    entities: int, seed: int, out_dir: Path, *, params_path: Path | None = None
) -> SynthResult:
    """Write the ``webshop_en`` data set of ``entities`` customers into ``out_dir``.

    Parameters
    ----------
    entities : int
        Number of real-world customers (records are ~1.75x that).
    seed : int
        Seed; the same seed gives byte-identical files.
    out_dir : Path
        Folder for the three exports and ``truth.csv``.
    params_path : Path, optional
        Where to write the params file (default ``out_dir/params.yaml``).

    Returns
    -------
    SynthResult
        Paths (``accounts, orders, newsletter, truth, params``), rows per source, realised
        rates (``variant.<LABEL>`` is the share of a customer's later records with it).

    Example
    -------
    >>> import tempfile, pathlib
    >>> generate_webshop(40, 3, pathlib.Path(tempfile.mkdtemp())).counts["entities"]
    40
    """
    check_size(entities, seed)
    rng = np.random.default_rng(seed)
    e = make_webshop_entities(entities, rng)
    r, labels = make_webshop_records(e, rng)
    tables = source_tables(r, labels, SOURCES, _format, rng)
    return write_shape(
        out_dir,
        params_path,
        client="webshop-en",
        deal=DEAL,
        sources=SOURCE_FILES,
        tables=tables,
        entities=e,
        realised=_realised(e, r, labels),
    )
