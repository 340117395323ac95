"""Normalized identifier tokens of golden customers, per identifier kind and per combination.

A golden customer (one per person, after the party's own intake, cleaning and dedupe) holds
identifiers of four kinds: phone in E.164, e-mail case-folded, resident ID number (upper case)
and a name plus birth date key (NFKC, case-folded, without spaces or punctuation, ``|`` and the
ISO date). Its values of a kind are the golden record's and those of every record linked to it
(an old and a new phone both count; a value lost to survivorship is not lost to the overlap),
at most :data:`MAX_VALUES` per kind. For every non-empty subset ``S`` of kinds, a customer
holding all kinds of ``S`` has one composite token per combination of its values;
:mod:`.estimate` combines the overlap of the composites into the number of customers sharing at
least one identifier.

Tokens are plaintext personal data: they live in memory only, and leave it only as elliptic-curve
points blinded by the party's own key (:mod:`.psi`).

Example
-------
>>> import pandas as pd
>>> g = pd.DataFrame({"full_name": ["王 伟"], "birth_date": [pd.Timestamp("1990-03-05")],
...                   "phone": ["+8613812345678"], "email": ["Wang.Wei@Example.CN"],
...                   "id_number": [None]})
>>> identifier_table(g).iloc[0].tolist()
['+8613812345678', 'wang.wei@example.cn', None, '王伟|1990-03-05']
>>> subset_name(("phone", "email"))
'phone.email'
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "KINDS",
    "MAX_VALUES",
    "SUBSETS",
    "Identifiers",
    "as_identifiers",
    "customer_identifiers",
    "extra_values",
    "identifier_table",
    "local_ambiguity",
    "subset_name",
    "subset_tokens",
]

#: Identifier kinds, in the order of every table and message.
KINDS: tuple[str, ...] = ("phone", "email", "id_number", "name_birth")
#: Every non-empty subset of :data:`KINDS`, by size then kind order (15 subsets).
SUBSETS: tuple[tuple[str, ...], ...] = tuple(
    s for k in range(1, len(KINDS) + 1) for s in itertools.combinations(KINDS, k)
)

#: Values of one kind kept per customer (the golden record's first, then its records' in order).
MAX_VALUES = 4
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_SEP = "\x1f"  # unit separator: never inside a normalized value


def subset_name(subset: tuple[str, ...]) -> str:
    """``("phone", "email")`` -> ``"phone.email"`` (the name in messages and the audit log).

    Example
    -------
    >>> subset_name(("name_birth",))
    'name_birth'
    """
    return ".".join(subset)


def _text(values: pd.Series) -> pd.Series:
    s = values.astype("object").where(values.notna(), None)
    s = s.map(lambda v: v.strip() if isinstance(v, str) else None)
    return s.where(s.map(lambda v: bool(v)), None)


def _name_key(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(c for c in folded if c.isalnum())


def identifier_table(golden: pd.DataFrame) -> pd.DataFrame:
    """One row per golden customer, one column per kind of :data:`KINDS` (``None`` when absent).

    Parameters
    ----------
    golden : pandas.DataFrame
        Golden customers with ``full_name, birth_date, phone, email, id_number`` (the link step's
        ``work/golden.parquet``; missing columns count as absent).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`KINDS`, the golden table's row order.

    Example
    -------
    >>> g = pd.DataFrame({"phone": ["13812345678", "+8613812345678"]})
    >>> identifier_table(g)["phone"].tolist()   # only E.164 is a phone token
    [None, '+8613812345678']
    """
    n = len(golden)

    def col(name: str) -> pd.Series:
        if name in golden.columns:
            return _text(golden[name].reset_index(drop=True))
        return pd.Series([None] * n, dtype=object)

    phone = col("phone")
    phone = phone.where(phone.map(lambda v: bool(v and _E164.match(v))), None)
    email = col("email").map(lambda v: v.casefold() if v and "@" in v else None)
    idn = col("id_number").map(lambda v: v.upper() if v else None)
    names = col("full_name").map(lambda v: _name_key(v) if v else None)
    if "birth_date" in golden.columns:
        birth = pd.to_datetime(golden["birth_date"].reset_index(drop=True), errors="coerce")
        iso = birth.dt.strftime("%Y-%m-%d").astype(object).where(birth.notna(), None)
    else:
        iso = pd.Series([None] * n, dtype=object)
    nb = pd.Series(
        [f"{a}|{b}" if a and b else None for a, b in zip(names, iso, strict=True)], dtype=object
    )
    out = pd.DataFrame({"phone": phone, "email": email, "id_number": idn, "name_birth": nb})
    return out.astype(object).where(out.notna(), None)


@dataclass(frozen=True)
class Identifiers:
    """A party's identifier values: one row per (customer, kind, value), and its customers.

    ``values`` has columns ``customer`` (0..customers-1), ``kind`` (one of :data:`KINDS`) and
    ``value``, without repeats; a customer without any identifier has no row but counts.
    """

    values: pd.DataFrame
    customers: int


def _long(wide: pd.DataFrame, customer: np.ndarray) -> pd.DataFrame:
    parts = []
    for k in KINDS:
        held = wide[k].notna().to_numpy()
        parts.append(
            pd.DataFrame({"customer": customer[held], "kind": k, "value": wide[k].to_numpy()[held]})
        )
    return pd.concat(parts, ignore_index=True)


def _finish(values: pd.DataFrame, customers: int) -> Identifiers:
    v = values.drop_duplicates(["customer", "kind", "value"], ignore_index=True)
    v = v[v.groupby(["customer", "kind"]).cumcount() < MAX_VALUES]
    v = v.astype({"customer": np.int64}).sort_values(["kind", "customer"], kind="stable")
    return Identifiers(values=v.reset_index(drop=True), customers=int(customers))


def as_identifiers(table: pd.DataFrame | Identifiers) -> Identifiers:
    """One value per kind per customer from a wide table (columns :data:`KINDS`, one row per
    customer); an :class:`Identifiers` is returned as it is.

    Example
    -------
    >>> t = pd.DataFrame({"phone": ["+861", None], "email": [None] * 2,
    ...                   "id_number": [None] * 2, "name_birth": [None] * 2})
    >>> ids = as_identifiers(t)
    >>> ids.customers, ids.values["value"].tolist()
    (2, ['+861'])
    """
    if isinstance(table, Identifiers):
        return table
    return _finish(_long(table, np.arange(len(table))), len(table))


def customer_identifiers(
    golden: pd.DataFrame,
    records: pd.DataFrame | None = None,
    entities: pd.DataFrame | None = None,
) -> Identifiers:
    """Every golden customer's values: its golden record's and those of its linked records.

    Parameters
    ----------
    golden : pandas.DataFrame
        Golden customers (``entity_id`` and the identifier fields; ``work/golden.parquet``).
    records : pandas.DataFrame, optional
        Standardized records (``source, record_id`` and the identifier fields; ``work/std``).
    entities : pandas.DataFrame, optional
        ``source, record_id, entity_id`` of every record (``work/entities.parquet``).

    Example
    -------
    >>> g = pd.DataFrame({"entity_id": ["E1"], "phone": ["+8613800000002"]})
    >>> r = pd.DataFrame({"source": ["a", "b"], "record_id": ["1", "2"],
    ...                   "phone": ["+8613800000001", "+8613800000002"]})
    >>> e = pd.DataFrame({"source": ["a", "b"], "record_id": ["1", "2"], "entity_id": ["E1"] * 2})
    >>> sorted(customer_identifiers(g, r, e).values["value"])
    ['+8613800000001', '+8613800000002']
    """
    g = golden.reset_index(drop=True)
    parts = [_long(identifier_table(g), np.arange(len(g)))]
    if records is not None and entities is not None and len(records):
        pos = pd.Series(np.arange(len(g)), index=g["entity_id"].to_numpy())
        keyed = records.merge(entities[["source", "record_id", "entity_id"]], how="inner")
        keyed = keyed[keyed["entity_id"].isin(pos.index)].reset_index(drop=True)
        customer = pos.loc[keyed["entity_id"].to_numpy()].to_numpy()
        parts.append(_long(identifier_table(keyed), customer))
    return _finish(pd.concat(parts, ignore_index=True), len(g))


def subset_tokens(table: pd.DataFrame | Identifiers, subset: tuple[str, ...]) -> list[str]:
    """Distinct composite tokens of the customers holding every kind of ``subset`` (one per
    combination of their values), sorted. Each starts with the subset's name (domain separation
    between subsets).

    Example
    -------
    >>> t = pd.DataFrame({"phone": ["+861", "+862", "+861"], "email": ["a@x", None, "a@x"],
    ...                   "id_number": [None] * 3, "name_birth": [None] * 3})
    >>> [tok.split("\\x1f")[1:] for tok in subset_tokens(t, ("phone", "email"))]
    [['+861', 'a@x']]
    """
    v = as_identifiers(table).values
    joined: pd.DataFrame | None = None
    for k in subset:
        part = v.loc[v["kind"] == k, ["customer", "value"]].rename(columns={"value": k})
        joined = part if joined is None else joined.merge(part, on="customer")
    if joined is None or joined.empty:
        return []
    token = pd.Series(subset_name(subset), index=joined.index, dtype=object)
    for k in subset:
        token = token + _SEP + joined[k].astype(str)
    return sorted(set(token.tolist()))


def local_ambiguity(table: pd.DataFrame | Identifiers) -> dict[str, int]:
    """Per kind: customers holding a value that another customer of the same party holds too.

    The party computes it on its own data; it widens the combined figure's hard bounds
    (:func:`migration_kit.overlap.estimate.bounds`).

    Example
    -------
    >>> t = pd.DataFrame({"phone": ["+861", "+861", "+862"], "email": [None] * 3,
    ...                   "id_number": [None] * 3, "name_birth": [None] * 3})
    >>> local_ambiguity(t)["phone"]
    2
    """
    v = as_identifiers(table).values
    out = {}
    for k in KINDS:
        sub = v[v["kind"] == k]
        shared = sub["value"].duplicated(keep=False).to_numpy()
        out[k] = int(sub.loc[shared, "customer"].nunique())
    return out


def extra_values(table: pd.DataFrame | Identifiers) -> dict[str, int]:
    """Per kind: values beyond the first of each customer (a customer with two phones: 1).

    Example
    -------
    >>> ids = Identifiers(pd.DataFrame({"customer": [0, 0, 1], "kind": ["phone"] * 3,
    ...                                 "value": ["+861", "+862", "+863"]}), 2)
    >>> extra_values(ids)["phone"]
    1
    """
    v = as_identifiers(table).values
    return {
        k: int((v["kind"] == k).sum() - v.loc[v["kind"] == k, "customer"].nunique()) for k in KINDS
    }
