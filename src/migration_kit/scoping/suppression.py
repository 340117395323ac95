"""Suppression list (withdrawn consent, erasure requests): normalize it and match it against every
record.

The raw list is normalized exactly like ``std`` (phone -> E.164, e-mail -> trimmed lowercase, ID ->
NFKC uppercase) using :mod:`migration_kit.clean` when it provides the functions
(``clean.phone.clean_phone``, ``clean.email.clean_email``); otherwise a minimal equivalent is used
(phonenumbers per distinct value; see :data:`USING_CLEAN`).

Example
-------
>>> raw = pd.DataFrame({"tel": ["138 1234 5678"], "kind": ["erasure"]})
>>> normalize_suppression(raw, {"phone": "tel"}, "kind")[["request_type", "phone"]].values.tolist()
[['erasure', '+8613812345678']]
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import phonenumbers as pn

from .._spec import check_choice
from ..errors import ScopingError
from ..masking import mask_cell

__all__ = [
    "MATCH_FIELDS",
    "REQUEST_TYPES",
    "SUPPRESSION_COLUMNS",
    "USING_CLEAN",
    "match_suppression",
    "normalize_suppression",
]

REQUEST_TYPES = ("withdrawn_consent", "erasure")
MATCH_FIELDS = ("phone", "email", "id_number")
SUPPRESSION_COLUMNS = ("request_id", "request_type", *MATCH_FIELDS)
_SYNONYMS = {
    "withdrawn_consent": "withdrawn_consent",
    "withdrawn": "withdrawn_consent",
    "withdraw": "withdrawn_consent",
    "consent_withdrawn": "withdrawn_consent",
    "opt_out": "withdrawn_consent",
    "optout": "withdrawn_consent",
    "撤回同意": "withdrawn_consent",
    "撤回": "withdrawn_consent",
    "撤销同意": "withdrawn_consent",
    "退订": "withdrawn_consent",
    "erasure": "erasure",
    "erase": "erasure",
    "delete": "erasure",
    "deletion": "erasure",
    "删除": "erasure",
    "删除请求": "erasure",
    "删除申请": "erasure",
    "注销": "erasure",
}

_clean_phone: Callable[[pd.Series], pd.DataFrame] | None
_clean_email: Callable[[pd.Series], pd.DataFrame] | None
try:  # the cleaning stage, when present in the tree
    from ..clean import phone as _clean_phone_module

    _clean_phone = _clean_phone_module.clean_phone
    USING_CLEAN = True
except ImportError:  # pragma: no cover - depends on the tree
    _clean_phone = None
    USING_CLEAN = False
try:
    from ..clean import email as _clean_email_module

    _clean_email = _clean_email_module.clean_email
except ImportError:  # pragma: no cover - depends on the tree
    _clean_email = None


def _nfkc(s: pd.Series) -> pd.Series:
    u = pd.Series(s.dropna().astype(str).unique())
    table = dict(zip(u, (unicodedata.normalize("NFKC", v).strip() for v in u), strict=True))
    out = s.map(table).astype("string")
    return out.mask(out == "")


def _obj(s: pd.Series) -> pd.Series:
    out = s.astype(object)
    return out.where(s.notna(), None)


def _phone(s: pd.Series) -> pd.Series:
    if _clean_phone is not None:
        return _clean_phone(s)["phone"]

    def one(v: str) -> str | None:  # pragma: no cover - fallback only
        try:
            n = pn.parse(v, "CN")
        except pn.NumberParseException:
            return None
        return pn.format_number(n, pn.PhoneNumberFormat.E164) if pn.is_valid_number(n) else None

    text = _obj(_nfkc(s))
    u = pd.Series(text.dropna().unique())
    return text.map(dict(zip(u, map(one, u), strict=True)))


def _email(s: pd.Series) -> pd.Series:
    if _clean_email is not None:  # pragma: no cover - depends on the tree
        out = _clean_email(s)
        return out["email"] if isinstance(out, pd.DataFrame) else out
    text = _nfkc(s).str.lower()
    return _obj(text.mask(~text.str.contains("@", regex=False).fillna(False)))


def _id(s: pd.Series) -> pd.Series:
    return _obj(_nfkc(s).str.replace(r"\s", "", regex=True).str.upper())


def _request_types(raw: pd.DataFrame, request_column: str | None, default: str) -> pd.Series:
    if request_column is None:
        return pd.Series(default, index=raw.index, dtype=object)
    if request_column not in raw.columns:
        raise ScopingError(
            f"suppression list: request column {request_column!r} not found; "
            f"columns: {', '.join(map(str, raw.columns))}"
        )
    text = _nfkc(raw[request_column]).str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    mapped = _obj(text).map(_SYNONYMS)
    bad = text.notna() & mapped.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        synonyms = sorted(set(_SYNONYMS) - set(REQUEST_TYPES))
        raise ScopingError(
            f"suppression list row {i + 1}: request type "
            f"{mask_cell(raw[request_column].iat[i])!r} is not recognized; "
            f"allowed: {', '.join(REQUEST_TYPES)} (or {', '.join(synonyms)})"
        )
    return mapped.fillna(default)


def normalize_suppression(
    raw_df: pd.DataFrame,
    columns_map: Mapping[str, str | Sequence[str]],
    request_column: str | None = None,
    *,
    id_column: str | None = None,
    default_request_type: str = "erasure",
) -> pd.DataFrame:
    """Normalize a raw suppression list to ``request_id, request_type, phone, email, id_number``.

    Parameters
    ----------
    raw_df : DataFrame
        The list as read (text columns).
    columns_map : mapping
        Match field (``phone``, ``email``, ``id_number``) -> column name or list of column names.
        Several columns for one field give one row each (e.g. mobile and landline are both matched).
    request_column : str, optional
        Column holding the request type (``erasure`` / ``withdrawn_consent`` or a known synonym
        such as ``delete``, ``opt-out``, ``删除``, ``撤回同意``); when None every row is
        ``default_request_type``.
    id_column : str, optional
        Column holding the request id; defaults to ``R`` + 1-based row number.
    default_request_type : str
        Type of rows with no request type.

    Returns
    -------
    DataFrame
        One row per request and identifier column set, rows with no usable identifier dropped.

    Example
    -------
    >>> raw = pd.DataFrame({"mail": [" A@X.COM "], "t": ["删除"]})
    >>> out = normalize_suppression(raw, {"email": "mail"}, "t")
    >>> out[["request_type", "email"]].values.tolist()
    [['erasure', 'a@x.com']]
    """
    check_choice(default_request_type, REQUEST_TYPES, "suppression.default_request_type")
    for fld, cols in columns_map.items():
        check_choice(fld, MATCH_FIELDS, f"suppression.columns.{fld}")
        for c in [cols] if isinstance(cols, str) else cols:
            if c not in raw_df.columns:
                raise ScopingError(
                    f"suppression list: column {c!r} (for {fld}) not found; "
                    f"columns: {', '.join(map(str, raw_df.columns))}; fix suppression.columns"
                )
    raw = raw_df.reset_index(drop=True)
    req_id = (
        raw[id_column].astype(str)
        if id_column
        else pd.Series([f"R{i + 1}" for i in range(len(raw))])
    )
    req_type = _request_types(raw, request_column, default_request_type)
    n_cols = (
        max((1 if isinstance(c, str) else len(c)) for c in columns_map.values())
        if columns_map
        else 0
    )
    parts = []
    for k in range(n_cols):
        part = pd.DataFrame({"request_id": req_id, "request_type": req_type})
        for fld in MATCH_FIELDS:
            given = columns_map.get(fld)
            names = [] if given is None else ([given] if isinstance(given, str) else list(given))
            raw_col = (
                raw[names[k]] if k < len(names) else pd.Series(None, index=raw.index, dtype=object)
            )
            part[fld] = {"phone": _phone, "email": _email, "id_number": _id}[fld](
                raw_col.astype(object)
            )
        parts.append(part)
    out = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=list(SUPPRESSION_COLUMNS))
    )
    out = out[out[list(MATCH_FIELDS)].notna().any(axis=1)].drop_duplicates()
    return out.sort_values(["request_id", *MATCH_FIELDS], na_position="last").reset_index(
        drop=True
    )[list(SUPPRESSION_COLUMNS)]


def match_suppression(std: pd.DataFrame, suppression: pd.DataFrame | None) -> pd.DataFrame:
    """Flag every ``std`` record whose phone, e-mail or ID is on the list.

    Returns
    -------
    DataFrame
        ``source, record_id, withdrawn, erasure`` (bool), one row per ``std`` row, same order.

    Example
    -------
    >>> std = pd.DataFrame({"source": ["a", "a"], "record_id": ["1", "2"],
    ...                     "phone": ["+8613812345678", None],
    ...                     "email": [None, "b@y.cn"], "id_number": [None, None]})
    >>> sup = pd.DataFrame({"request_id": ["R1"], "request_type": ["withdrawn_consent"],
    ...                     "phone": [None], "email": ["b@y.cn"], "id_number": [None]})
    >>> match_suppression(std, sup)["withdrawn"].tolist()
    [False, True]
    """
    out = pd.DataFrame(
        {"source": std["source"].to_numpy(), "record_id": std["record_id"].to_numpy()}
    )
    for rtype, col in (("withdrawn_consent", "withdrawn"), ("erasure", "erasure")):
        hit = np.zeros(len(std), dtype=bool)
        if suppression is not None and len(suppression):
            missing = [c for c in ("request_type", *MATCH_FIELDS) if c not in suppression.columns]
            if missing:
                raise ScopingError(
                    f"suppression table lacks columns {missing}; "
                    "build it with normalize_suppression()"
                )
            sub = suppression[suppression["request_type"] == rtype]
            for fld in MATCH_FIELDS:
                if fld in std.columns:
                    values = sub[fld].dropna().unique()
                    hit |= std[fld].isin(values).to_numpy() & std[fld].notna().to_numpy()
        out[col] = hit
    return out
