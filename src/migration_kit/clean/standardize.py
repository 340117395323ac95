"""Stage 2 entry point: raw table -> (standardized table, failure table).

Runs every field cleaner of :mod:`migration_kit.clean` over the ``raw__<field>`` columns present,
writes one failure row per failed check (value masked), nulls invalid values and keeps the raw
columns. What intake found damaged (column :data:`~migration_kit.schema.INTAKE_FLAGS`: a short
row's missing fields ``ROW_SHORT``, a cell that looks mis-encoded ``ENCODING_SUSPECT``, kept as
read) goes to the failure table too, stage ``intake``. Columns and dtypes follow
``docs/architecture.md`` (string columns are object dtype with None for missing).

Cross-field rules:

* phones are read with the record's own country (``raw__country``) when it is known, else
  ``default_region``;
* a valid resident ID is compared with the record's birth date and gender (``ID_BIRTH_MISMATCH``,
  ``ID_GENDER_MISMATCH``: both values are kept, the failure is recorded); when the record has no
  (valid) birth date or gender they are **filled silently** from the ID;
* ``country``: the cleaned ``raw__country``, else CN for an address resolved to a mainland province
  (HK/MO/TW for 81/82/71), else ``default_region`` (the source's home country);
  ``country_given`` (beside the canonical columns) is the same without the default, for linkage:
  a source's default says where the shop is, not where the person is.

Example
-------
>>> import datetime as dt, pandas as pd
>>> raw = pd.DataFrame({"source": ["shop"], "record_id": ["1"], "row_number": [1],
...                     "raw__phone": ["138 1234 5678"], "raw__email": ["A@QQ.COM"]})
>>> std, failures = standardize(raw, reference_date=dt.date(2024, 1, 1))
>>> std[["phone", "email", "country"]].values.tolist(), len(failures)
([['+8613812345678', 'a@qq.com', 'CN']], 0)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Literal

import numpy as np
import pandas as pd

from .._spec import check_choice, check_type, closest
from ..errors import InputError
from ..schema import CANONICAL_FIELDS, COUNTRY_GIVEN, DATE_FIELDS, INTAKE_FLAGS, STD_COLUMNS
from ._common import NULL, normalize_text
from .address import clean_address, clean_country, clean_postcode
from .dates import DATE_ORDERS, parse_dates
from .email import clean_email
from .failures import FailureTable
from .ids import clean_id, cross_check_id
from .names import clean_name
from .numbers import MONEY_DTYPE, clean_amount, clean_boolean, clean_count, clean_gender
from .phone import check_region, clean_phone

__all__ = ["MAX_CELL_CHARS", "RAW_PREFIX", "STD_DTYPES", "standardize"]

#: Longest value a field takes (64 KB of text); longer cells get ``VALUE_TOO_LONG`` and no value.
MAX_CELL_CHARS = 65_536

RAW_PREFIX = "raw__"
_KEYS = ("source", "record_id", "row_number")
#: The dtypes a standardized column can have.
StdDtype = Literal["object", "datetime64[ns]", "float64", "Int64", "boolean"]
#: dtype of every standardized column (str columns are object with None; money is an exact
#: decimal, :data:`~migration_kit.clean.numbers.MONEY_DTYPE`).
STD_DTYPES: dict[str, StdDtype | pd.ArrowDtype] = {c: "object" for c in STD_COLUMNS}
STD_DTYPES.update({f: "datetime64[ns]" for f in DATE_FIELDS})
STD_DTYPES.update(
    {"total_spent": MONEY_DTYPE, "order_count": "Int64", "marketing_consent": "boolean"}
)
_SPECIAL_PROVINCE_COUNTRY = {"81": "HK", "82": "MO", "71": "TW"}


def _check_raw(raw: pd.DataFrame) -> list[str]:
    missing = [c for c in _KEYS if c not in raw.columns]
    if missing:
        raise InputError(
            "raw table",
            f"missing key column(s) {', '.join(missing)}; received columns "
            f"{', '.join(map(str, raw.columns))}; the raw table from intake has "
            f"{', '.join(_KEYS)} and raw__<field> columns",
        )
    fields = [c[len(RAW_PREFIX) :] for c in raw.columns if str(c).startswith(RAW_PREFIX)]
    for f in fields:
        if f not in CANONICAL_FIELDS:
            hint = closest(f, CANONICAL_FIELDS)
            raise InputError(
                "raw table",
                f"unknown field column {RAW_PREFIX}{f}"
                f"{f' (did you mean {RAW_PREFIX}{hint}?)' if hint else ''}; "
                f"known fields: {', '.join(CANONICAL_FIELDS)}",
                column=RAW_PREFIX + f,
            )
    return fields


def standardize(
    raw: pd.DataFrame,
    *,
    date_order: str = "YMD",
    default_region: str = "CN",
    reference_date: dt.date,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean, standardize and validate a raw table.

    Parameters
    ----------
    raw : DataFrame
        ``source, record_id, row_number`` and ``raw__<field>`` columns (str or None).
    date_order : {"YMD", "MDY", "DMY"}
        How year-last dates of this source are read (see
        :func:`~migration_kit.clean.dates.parse_dates`).
    default_region : str
        ISO alpha-2 home country of the source: phone default region and country fallback.
    reference_date : date
        "Today" of the run: later dates are ``DATE_FUTURE``.

    Returns
    -------
    (DataFrame, DataFrame)
        ``std`` (same rows and order as ``raw``, RangeIndex) and ``failures``.

    Example
    -------
    >>> import datetime as dt, pandas as pd
    >>> raw = pd.DataFrame({"source": ["s"], "record_id": ["1"], "row_number": [1],
    ...                     "raw__birth_date": ["1990-02-30"]})
    >>> standardize(raw, reference_date=dt.date(2024, 1, 1))[1]["reason_code"].tolist()
    ['DATE_IMPOSSIBLE']
    """
    check_choice(date_order, DATE_ORDERS, "standardize.date_order")
    check_region(default_region, "standardize.default_region")
    check_type(reference_date, dt.date, "standardize.reference_date")
    if isinstance(reference_date, dt.datetime):
        reference_date = reference_date.date()
    fields = _check_raw(raw)
    raw = raw.reset_index(drop=True)
    n = len(raw)
    failures = FailureTable(raw[["source", "record_id"]])
    if INTAKE_FLAGS in raw.columns:  # what intake found damaged: short rows, mis-encoded cells
        _intake_failures(failures, raw)

    columns = {f: raw[RAW_PREFIX + f].astype(object) for f in fields}
    for f, values in columns.items():  # a cell no field can hold is recorded, never carried on
        long = (values.str.len() > MAX_CELL_CHARS).fillna(False).to_numpy(dtype=bool)
        if long.any():
            reason = pd.Series(np.where(long, "VALUE_TOO_LONG", NULL), index=values.index)
            failures.add(f, "size", values.str[:64], reason)
            columns[f] = values.where(~long, None)
    col = columns.get

    def run(
        field: str, check: str, fn: Callable[..., pd.DataFrame], *args: object, **kwargs: object
    ) -> pd.DataFrame | None:
        """Clean one field if mapped and record its failures."""
        if field not in columns:
            return None
        res = fn(columns[field], *args, **kwargs)
        failures.add(field, check, columns[field], res["reason"])
        return res

    std: dict[str, pd.Series | None] = {}
    # names ------------------------------------------------------------------------------------
    if any(f in fields for f in ("full_name", "given_name", "family_name")):
        names = clean_name(col("full_name"), col("given_name"), col("family_name"))
        shown: str = next(f for f in ("full_name", "given_name", "family_name") if f in fields)
        failures.add(shown, "valid", columns[shown], names["reason"])
        std.update(
            {
                c: names[c]
                for c in ("full_name", "family_name", "given_name", "name_key", "pinyin_key")
            }
        )
    # gender, dates, resident ID -------------------------------------------------------------------
    gender = run("gender", "code", clean_gender)
    std["gender"] = gender["gender"] if gender is not None else None
    for f in DATE_FIELDS:
        res = run(
            f,
            "date",
            parse_dates,
            date_order=date_order,
            reference_date=reference_date,
            keep_time=f != "birth_date",
        )
        std[f] = res["value"] if res is not None else None
    ids = run("id_number", "valid", clean_id, reference_date)
    if ids is not None:
        std["id_number"] = ids["id_number"]
        bd = (
            std["birth_date"]
            if std["birth_date"] is not None
            else pd.Series(pd.NaT, index=raw.index)
        )
        gd = (
            std["gender"]
            if std["gender"] is not None
            else pd.Series(None, index=raw.index, dtype=object)
        )
        cross = cross_check_id(ids["id_birth_date"], ids["id_gender"], bd, gd)
        failures.add("id_number", "birth_match", columns["id_number"], cross["birth_reason"])
        failures.add("id_number", "gender_match", columns["id_number"], cross["gender_reason"])
        std["birth_date"] = bd.where(bd.notna(), ids["id_birth_date"])
        std["gender"] = gd.where(gd.notna(), ids["id_gender"])
    # country, phone, e-mail -----------------------------------------------------------------------
    country = run("country", "known", clean_country)
    country_s = (
        country["country"]
        if country is not None
        else pd.Series(None, index=raw.index, dtype=object)
    )
    # fallbacks only fill records without a country text (an unknown country stays None)
    no_country = (
        normalize_text(columns["country"]).isna()
        if "country" in fields
        else pd.Series(True, index=raw.index)
    )
    phone = run("phone", "valid", clean_phone, default_region, region=country_s)
    if phone is not None:
        std["phone"], std["phone_type"] = phone["phone"], phone["phone_type"]
    email = run("email", "syntax", clean_email)
    std["email"] = email["email"] if email is not None else None
    # address, country fallback, postcode ---------------------------------------------------------
    loc_fields = ("address", "province", "city", "district")
    if any(f in fields for f in loc_fields):
        addr = clean_address(col("address"), col("province"), col("city"), col("district"))
        shown = next(f for f in loc_fields if f in fields)
        failures.add(shown, "resolve", columns[shown], addr["reason"])
        std.update({c: addr[c] for c in ("address", "province", "city", "district", "region_code")})
        prefix = addr["region_code"].str[:2]
        from_region = prefix.map(_SPECIAL_PROVINCE_COUNTRY).fillna("CN").where(prefix.notna(), None)
        country_s = country_s.where(~no_country | from_region.isna(), from_region)
    given = country_s.copy()  # recorded, or read out of the address: evidence for linkage
    country_s = country_s.where(country_s.notna() | ~no_country, default_region)
    std["country"] = country_s
    post = run("postcode", "format", clean_postcode, country_s)
    std["postcode"] = post["postcode"] if post is not None else None
    std["organization"] = (
        normalize_text(columns["organization"]) if "organization" in fields else None
    )
    # numbers --------------------------------------------------------------------------------------
    spent = run("total_spent", "number", clean_amount)
    std["total_spent"] = spent["amount"] if spent is not None else None
    count = run("order_count", "number", clean_count)
    std["order_count"] = count["count"] if count is not None else None
    consent = run("marketing_consent", "boolean", clean_boolean)
    std["marketing_consent"] = consent["value"] if consent is not None else None

    out = raw[[*_KEYS, *[RAW_PREFIX + f for f in fields]]].copy()
    for c in STD_COLUMNS:
        out[c] = _typed(std.get(c), STD_DTYPES[c], n)
    # beside the canonical columns: the country as the source recorded it or its address says,
    # without the source's default (a default says where the shop is, not where the person is)
    out[COUNTRY_GIVEN] = _typed(given, "object", n)
    return out, failures.to_frame()


#: The failure-table check of each reason code intake flags (others: ``intake``).
_INTAKE_CHECKS = {"ROW_SHORT": "row", "ENCODING_SUSPECT": "encoding"}


def _intake_failures(failures: FailureTable, raw: pd.DataFrame) -> None:
    """One failure row (stage ``intake``) per ``CODE:field`` item of the raw table's
    :data:`~migration_kit.schema.INTAKE_FLAGS`, the field's raw value masked."""
    flags = raw[INTAKE_FLAGS].to_numpy(dtype=object)
    hit = np.flatnonzero(pd.notna(flags))
    if not len(hit):
        return
    items = pd.Series(flags[hit], index=hit, dtype=object).str.split(";").explode()
    parts = items.str.partition(":")
    for (code, field), group in parts.groupby([0, 2], sort=False):
        reason = np.full(len(raw), None, dtype=object)
        reason[group.index.to_numpy(dtype=np.int64)] = code
        column = RAW_PREFIX + str(field)
        values = raw[column] if column in raw.columns else pd.Series([None] * len(raw))
        check = _INTAKE_CHECKS.get(str(code), "intake")
        failures.add(str(field), check, values, pd.Series(reason, dtype=object), stage="intake")


def _typed(values: pd.Series | None, dtype: StdDtype | pd.ArrowDtype, n: int) -> pd.Series:
    """Return ``values`` (Series or None) as a ``dtype`` column, std missing convention."""
    if values is None:
        return pd.Series([None] * n, dtype=dtype)
    s = pd.Series(values).reset_index(drop=True)
    if dtype == "object":
        arr = s.to_numpy(dtype=object)
        arr[pd.isna(arr)] = None
        return pd.Series(arr, dtype=object)
    return s.astype(dtype)
