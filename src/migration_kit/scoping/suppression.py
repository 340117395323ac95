"""Suppression list (erasure, withdrawn consent, marketing opt-out): normalize it and match it
against every record.

The raw list is normalized like ``std`` (phone -> E.164, e-mail -> trimmed lowercase, ID -> NFKC
uppercase) using :mod:`migration_kit.clean` when it provides the functions
(``clean.phone.clean_phone``, ``clean.email.clean_email``); otherwise a minimal equivalent is used
(phonenumbers per distinct value; see :data:`USING_CLEAN`).

Matching does not depend on validity: a request must find its customer even when cleaning nulled
the record's phone (an unassigned range, a typo in the check digit of an ID, an e-mail without a
valid domain). :func:`match_key` turns any identifier, valid or not, into a key: a phone's digits
without international prefix, Chinese country code or trunk zero (``+86 138-1234-5678``,
``013812345678`` -> ``13812345678``; a foreign number also gives its national number), an e-mail
case-folded, an ID without spaces in upper case. Each request gets the keys of its raw values and
of their normalized forms; each record the keys of its raw cells (``raw__<field>``) and of its
cleaned values. :func:`request_matches` lists the records each request hits; a hit on any record of
a customer applies to the whole customer (:mod:`.disposition`).

Request types, each with its own effect: ``erasure`` (PIPL Art. 47, GDPR Art. 17: the customer
is excluded and destroyed), ``withdrawn_consent`` (PIPL Art. 15 and 47(1)(3): excluded), and
``marketing_optout`` (退订, unsubscribe: the customer still transfers; only marketing flags and
fields are suppressed).

Example
-------
>>> raw = pd.DataFrame({"tel": ["138 1234 5678"], "kind": ["erasure"]})
>>> normalize_suppression(raw, {"phone": "tel"}, "kind")[["request_type", "phone"]].values.tolist()
[['erasure', '+8613812345678']]
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import phonenumbers as pn
import pyarrow as pa
import pyarrow.compute as pc

from .._spec import check_choice
from ..errors import LawfulnessError, ScopingError
from ..masking import mask_cell

__all__ = [
    "HIT_COLUMNS",
    "KEY_COLUMNS",
    "MATCH_FIELDS",
    "REQUEST_TYPES",
    "SUPPRESSION_COLUMNS",
    "USING_CLEAN",
    "match_key",
    "match_suppression",
    "normalize_suppression",
    "record_keys",
    "request_matches",
    "request_types",
    "request_words",
]

REQUEST_TYPES = ("erasure", "withdrawn_consent", "marketing_optout")
MATCH_FIELDS = ("phone", "email", "id_number")
#: The match key of each identifier (see :func:`match_key`).
KEY_COLUMNS = tuple(f"{f}_key" for f in MATCH_FIELDS)
SUPPRESSION_COLUMNS = ("request_id", "request_type", *MATCH_FIELDS, *KEY_COLUMNS)
#: Per-record flags of :func:`match_suppression`: column -> request type.
HIT_COLUMNS = {"erasure": "erasure", "withdrawn": "withdrawn_consent", "optout": "marketing_optout"}
_SYNONYMS = {
    "withdrawn_consent": "withdrawn_consent",
    "withdrawn": "withdrawn_consent",
    "withdraw": "withdrawn_consent",
    "consent_withdrawn": "withdrawn_consent",
    "撤回同意": "withdrawn_consent",
    "撤回": "withdrawn_consent",
    "撤销同意": "withdrawn_consent",
    "marketing_optout": "marketing_optout",
    "marketing_opt_out": "marketing_optout",
    "opt_out": "marketing_optout",
    "optout": "marketing_optout",
    "unsubscribe": "marketing_optout",
    "退订": "marketing_optout",
    "取消订阅": "marketing_optout",
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


_INTL = re.compile(r"^\s*(?:\+|00)")


def match_key(field: str, s: pd.Series) -> pd.Series:
    """The match key of each identifier, whatever its validity (None: nothing to match on).

    Example
    -------
    >>> match_key("phone", pd.Series(["+86 138-1234-5678", "013812345678", "140 1234 5678",
    ...                               "0044 20 7946 0000", "x"])).tolist()
    ['13812345678', '13812345678', '14012345678', '442079460000', None]
    >>> match_key("email", pd.Series([" Li.Na@QQ.COM"])).tolist()
    ['li.na@qq.com']
    >>> match_key("id_number", pd.Series(["1101 0519 4912 3100 2x"])).tolist()
    ['11010519491231002X']
    """
    check_choice(field, MATCH_FIELDS, "match_key.field")
    return _match_key_text(field, _nfkc(s))


def _match_key_text(field: str, text: pd.Series) -> pd.Series:
    """:func:`match_key` of text already NFKC-normalized (``string`` dtype)."""
    if field == "phone":
        digits = text.str.replace(r"\D", "", regex=True)
        intl = text.str.contains(_INTL.pattern, regex=True).fillna(False)
        digits = digits.where(~intl, digits.str.replace(r"^00", "", regex=True))
        cn = digits.str.match(r"^86\d{9,12}$").fillna(False) & (intl | (digits.str.len() >= 13))
        digits = digits.where(~cn, digits.str[2:]).str.lstrip("0")
        key = digits.where(digits.str.len() >= 5)
    elif field == "email":
        key = text.str.replace(r"\s", "", regex=True).str.casefold()
        key = key.where(key.str.len() >= 3)
    else:
        key = text.str.replace(r"\s", "", regex=True).str.upper()
        key = key.where(key.str.len() >= 5)
    return _obj(key)


@functools.lru_cache(maxsize=1 << 20)
def _national(digits: str) -> str | None:
    """The national number of an international number's digits (None when unparseable)."""
    try:
        n = pn.parse("+" + digits, None)
    except pn.NumberParseException:
        return None
    return str(n.national_number) if n.national_number else None


def _national_keys(s: pd.Series, text: pd.Series | None = None) -> pd.Series:
    """The national number of foreign phones written with their country code (``+44 20 ...``
    -> ``2079460000``): a record may hold it without the code. None elsewhere."""
    text = _obj(_nfkc(s) if text is None else text)
    intl = text.dropna()
    intl = intl[intl.str.contains(_INTL.pattern, regex=True)]
    out = pd.Series(None, index=s.index, dtype=object)
    if not len(intl):
        return out
    digits = intl.str.replace(r"\D", "", regex=True).str.replace(r"^00", "", regex=True)
    digits = digits[~digits.str.startswith("86")]
    u = pd.Series(digits.unique())
    table = dict(zip(u, map(_national, u), strict=True))
    out.loc[digits.index] = digits.map(table)
    return out


def _keys(field: str, s: pd.Series) -> list[pd.Series]:
    """The match keys of a column: :func:`match_key`'s, and for phones the national number of
    foreign numbers written with their country code (:func:`_national_keys`)."""
    fast = _ascii_keys(field, s)
    if fast is not None:
        return fast
    return _python_keys(field, s)


def _python_keys(field: str, s: pd.Series) -> list[pd.Series]:
    """:func:`_keys` in pandas' string methods (any text, Unicode rules)."""
    text = _nfkc(s)
    keys = [_match_key_text(field, text)]
    if field == "phone":
        keys.append(_national_keys(s, text))
    return keys


#: The ASCII characters Python's ``str.strip()`` and ``re``'s ``\s`` take as whitespace (RE2's
#: ``\s`` lacks ``\v`` and the separators ``\x1c``-``\x1f``, so they are spelled out).
_ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
_ASCII_SPACE_CLASS = "[ \\t\\n\\r\\x0b\\x0c\\x1c-\\x1f]"


def _ascii_keys(field: str, s: pd.Series) -> list[pd.Series] | None:
    """:func:`_python_keys` over an Arrow string array, column at a time: for ASCII text NFKC is
    the identity and every step below is the same rule in RE2 as in ``re``; a non-ASCII value
    takes the Python path. None (the Python path for the whole column) when a cell is not text."""
    values = s.to_numpy(dtype=object)
    try:
        arr = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    null = pa.scalar(None, pa.string())
    text = pc.utf8_trim(arr, _ASCII_SPACE)
    text = pc.if_else(pc.equal(text, ""), null, text)  # empty after stripping: nothing

    def longest(a: pa.Array, n: int) -> pa.Array:
        return pc.if_else(pc.fill_null(pc.greater_equal(pc.utf8_length(a), n), False), a, null)

    national: pa.Array | None = None
    if field == "phone":
        digits = pc.replace_substring_regex(text, "[^0-9]", "")
        intl = pc.fill_null(
            pc.match_substring_regex(text, f"^{_ASCII_SPACE_CLASS}*(?:\\+|00)"), False
        )
        digits = pc.if_else(
            intl, pc.replace_substring_regex(digits, "^00", "", max_replacements=1), digits
        )
        foreign = pc.and_(intl, pc.invert(pc.fill_null(pc.starts_with(digits, "86"), False)))
        national = pc.if_else(foreign, digits, null)
        cn = pc.and_(
            pc.fill_null(pc.match_substring_regex(digits, "^86[0-9]{9,12}$"), False),
            pc.or_(intl, pc.fill_null(pc.greater_equal(pc.utf8_length(digits), 13), False)),
        )
        digits = pc.if_else(cn, pc.utf8_slice_codeunits(digits, 2), digits)
        key = longest(pc.utf8_ltrim(digits, "0"), 5)
    else:
        bare = pc.replace_substring_regex(text, _ASCII_SPACE_CLASS, "")
        key = (
            longest(pc.ascii_lower(bare), 3)
            if field == "email"
            else longest(pc.ascii_upper(bare), 5)
        )
    out = [key.to_numpy(zero_copy_only=False)]
    if national is not None:
        digits_of = national.to_numpy(zero_copy_only=False)
        hit = np.flatnonzero(pd.notna(digits_of))
        table = {d: _national(d) for d in pd.unique(digits_of[hit])}
        nat = np.full(len(values), None, dtype=object)
        nat[hit] = [table[d] for d in digits_of[hit]]
        out.append(nat)
    slow = np.flatnonzero(
        ~pc.fill_null(pc.string_is_ascii(arr), True).to_numpy(zero_copy_only=False)
    )
    if len(slow):  # non-ASCII text (full-width digits, Unicode spaces ...): the Python rules
        for mine, theirs in zip(out, _python_keys(field, s.iloc[slow]), strict=True):
            mine[slow] = theirs.to_numpy(dtype=object)
    return [pd.Series(k, index=s.index, dtype=object) for k in out]


def request_words() -> dict[str, list[str]]:
    """Every written form a suppression list may use, per request type (NFKC, case-folded,
    spaces and hyphens read as ``_``).

    Example
    -------
    >>> request_words()["marketing_optout"][:3]
    ['marketing_opt_out', 'marketing_optout', 'opt_out']
    """
    out: dict[str, list[str]] = {kind: [] for kind in REQUEST_TYPES}
    for word, kind in _SYNONYMS.items():
        out[kind].append(word)
    return {kind: sorted(words) for kind, words in out.items()}


def request_types(
    raw: pd.DataFrame, request_column: str | None, default: str = "erasure"
) -> pd.Series:
    """Each row's request type (:data:`REQUEST_TYPES`) from its written form (``删除``,
    ``退订``, ``opt-out`` ...); an unknown form is an error naming the row.

    Example
    -------
    >>> request_types(pd.DataFrame({"t": ["删除", "退订", None]}), "t").tolist()
    ['erasure', 'marketing_optout', 'erasure']
    """
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
    req_type = request_types(raw, request_column, default_request_type)
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
            # the key of the raw value, else of the normalized one (1.38E10 -> +8613800000000)
            key = match_key(fld, raw_col.astype(object))
            part[f"{fld}_key"] = key.where(key.notna(), match_key(fld, part[fld]))
        parts.append(part)
    out = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=list(SUPPRESSION_COLUMNS))
    )
    out = out[out[list(KEY_COLUMNS)].notna().any(axis=1)].drop_duplicates()
    return out.sort_values(["request_id", *KEY_COLUMNS], na_position="last").reset_index(drop=True)[
        list(SUPPRESSION_COLUMNS)
    ]


def record_keys(std: pd.DataFrame) -> pd.DataFrame:
    """``row, field, key`` of every identifier of every record: raw cells and cleaned values."""
    parts, offset = [], 0
    for fld in MATCH_FIELDS:
        rows, keys, at = [], [], []
        for col in (fld, f"raw__{fld}"):
            if col not in std.columns:
                continue
            for found in _keys(fld, std[col]):
                ok = found.notna().to_numpy()
                if ok.any():
                    rows.append(np.flatnonzero(ok))
                    keys.append(found.to_numpy()[ok])
                    at.append(offset + np.arange(len(rows[-1])))
                    offset += len(rows[-1])
        if not rows:
            continue
        # drop_duplicates() of (row, field, key), in integers: a field's keys never equal
        # another field's, so the first of each (row, key) within the field is kept
        row, key, index = np.concatenate(rows), np.concatenate(keys), np.concatenate(at)
        codes, uniques = pd.factorize(key)
        first = ~pd.Series(row.astype(np.int64) * (len(uniques) + 1) + codes).duplicated()
        keep = first.to_numpy()
        parts.append(
            pd.DataFrame({"row": row[keep], "field": fld, "key": key[keep]}, index=index[keep])
        )
    if not parts:
        return pd.DataFrame({"row": [], "field": [], "key": []})
    return pd.concat(parts)


def _check_table(suppression: pd.DataFrame) -> pd.DataFrame:
    """The table with every key column (a table without them gets them from its identifier
    columns)."""
    missing = [c for c in ("request_id", "request_type") if c not in suppression]
    if missing or not any(c in suppression for c in (*MATCH_FIELDS, *KEY_COLUMNS)):
        raise ScopingError(
            f"suppression table lacks columns {missing or list(MATCH_FIELDS)}; "
            "build it with normalize_suppression()"
        )
    out = suppression.copy()
    for fld, key in zip(MATCH_FIELDS, KEY_COLUMNS, strict=True):
        if key not in out:
            given = out[fld] if fld in out else pd.Series(None, index=out.index, dtype=object)
            out[key] = match_key(fld, given.astype(object))
        if fld not in out:
            out[fld] = None
    return out


def request_matches(
    std: pd.DataFrame, suppression: pd.DataFrame | None, rec_keys: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every (request, record) pair where an identifier of the request is on the record
    (``rec_keys``: :func:`record_keys` of ``std`` when already computed).

    Returns
    -------
    DataFrame
        ``request_id, request_type, row`` (position in ``std``), unique, sorted.

    Example
    -------
    >>> std = pd.DataFrame({"phone": [None, "+8613812345678"],
    ...                     "raw__phone": ["140 1234 5678", "13812345678"]})
    >>> sup = normalize_suppression(pd.DataFrame({"tel": ["+86 14012345678"], "t": ["删除"]}),
    ...                             {"phone": "tel"}, "t")
    >>> request_matches(std, sup)[["request_id", "row"]].values.tolist()
    [['R1', 0]]
    """
    cols = ["request_id", "request_type", "row"]
    if suppression is None or not len(suppression):
        return pd.DataFrame({c: pd.Series(dtype=object if c != "row" else "int64") for c in cols})
    suppression = _check_table(suppression)
    req = pd.concat(
        [
            pd.DataFrame(
                {
                    "request_id": suppression["request_id"].to_numpy(),
                    "request_type": suppression["request_type"].to_numpy(),
                    "field": fld,
                    "key": key.to_numpy(),
                }
            )
            for fld in MATCH_FIELDS
            for key in (
                [suppression[f"{fld}_key"]]
                + ([_national_keys(suppression[fld])] if fld == "phone" else [])
            )
        ],
        ignore_index=True,
    ).dropna(subset=["key"])
    keys = record_keys(std) if rec_keys is None else rec_keys
    hits = req.merge(keys, on=["field", "key"], how="inner")[cols]
    hits = hits.drop_duplicates().astype({"row": "int64"})
    return hits.sort_values(cols).reset_index(drop=True)


def match_suppression(
    std: pd.DataFrame,
    suppression: pd.DataFrame | None,
    resolutions: pd.DataFrame | None = None,
    matches: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Flag every ``std`` record an erasure, withdrawal or marketing opt-out request names.

    Parameters
    ----------
    std : DataFrame
        Records (``source, record_id``, the identifiers, and their ``raw__`` cells when known).
    suppression : DataFrame or None
        The normalized list (:func:`normalize_suppression`).
    resolutions : DataFrame, optional
        Requests matched by hand: ``request_id, request_type, source, record_id``.
    matches : DataFrame, optional
        :func:`request_matches` of ``std`` already computed (rows in ``std`` order).

    Returns
    -------
    DataFrame
        ``source, record_id, erasure, withdrawn, optout`` (bool), one row per ``std`` row, same
        order.

    Example
    -------
    >>> std = pd.DataFrame({"source": ["a", "a"], "record_id": ["1", "2"],
    ...                     "phone": ["+8613812345678", None],
    ...                     "email": [None, "b@y.cn"], "id_number": [None, None]})
    >>> sup = normalize_suppression(pd.DataFrame({"mail": ["B@Y.CN"], "t": ["withdrawn"]}),
    ...                             {"email": "mail"}, "t")
    >>> match_suppression(std, sup)["withdrawn"].tolist()
    [False, True]
    """
    out = pd.DataFrame(
        {"source": std["source"].to_numpy(), "record_id": std["record_id"].to_numpy()}
    )
    hits = request_matches(std, suppression) if matches is None else matches
    by_hand = np.zeros(0, dtype=np.int64)
    types_by_hand = np.zeros(0, dtype=object)
    if resolutions is not None and len(resolutions):
        index = pd.MultiIndex.from_arrays(
            [std["source"].astype(str).to_numpy(), std["record_id"].astype(str).to_numpy()]
        )
        pos = index.get_indexer(
            pd.MultiIndex.from_arrays(
                [
                    resolutions["source"].astype(str).to_numpy(),
                    resolutions["record_id"].astype(str).to_numpy(),
                ]
            )
        )
        if (pos < 0).any():
            i = int(np.flatnonzero(pos < 0)[0])
            raise LawfulnessError(
                f"policy.requests.resolutions: request {resolutions['request_id'].iat[i]!r} is "
                f"matched to record {resolutions['source'].iat[i]!r}/"
                f"{resolutions['record_id'].iat[i]!r}, which no source holds; give the source "
                "name and record id as in the exports"
            )
        by_hand, types_by_hand = pos, resolutions["request_type"].to_numpy()
    for col, rtype in HIT_COLUMNS.items():
        hit = np.zeros(len(std), dtype=bool)
        hit[hits.loc[hits["request_type"] == rtype, "row"].to_numpy(dtype=np.int64)] = True
        hit[by_hand[types_by_hand == rtype]] = True
        out[col] = hit
    return out
