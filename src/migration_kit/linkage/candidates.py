"""Candidate blocking passes from the fields present, and their exact pair counts.

Keys per field family: whole values of informative fields, prefixes of names (``:first1``,
``:first3``), the year of a date, the last four and first ten characters of a phone, the letters of
an e-mail's local part, the start of an address. Passes: single identifying keys, a name's parts
together, the start of an address with its postcode or city, pairs of keys from different
families, given and family name swapped (cross keys), an e-mail spelling the other record's name
in the same city. :func:`count_pass_pairs` counts a pass's pairs from key frequencies alone.

Example
-------
>>> prof = pd.DataFrame({"fill": [1.0, 1.0, 0.8], "distinct": [50, 40, 300],
...     "top_share": [0.1, 0.1, 0.01], "cjk": [0.0, 0.0, 0.0], "filled": [10, 10, 8],
...     "mean_length": [5.0, 6.0, 10.0]}, index=["given_name", "family_name", "birth_date"])
>>> [p["name"] for p in candidate_passes(prof)][:3]
['birth_date', 'given_name+family_name', 'given_name_first3+family_name_first3']
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .blocking import block_codes
from .library import CONTACT_FIELDS, FAMILIES, figure, is_chinese, usable

__all__ = ["RARE_BLOCK", "candidate_passes", "count_pass_pairs", "family_of", "pass_name"]

#: Largest block of a rare-name pass (``name_key_rare``, ``pinyin_key_rare``): a full name held
#: by this many records or fewer pairs them on the name alone.
RARE_BLOCK = 4


def _atoms(prof: pd.DataFrame, min_fill: float) -> dict[str, list[str]]:
    """Blocking keys per field family (whole values, prefixes and suffixes)."""

    def use(f: str) -> bool:
        return usable(prof, f, min_fill)

    chinese = is_chinese(prof)
    atoms: dict[str, list[str]] = {k: [] for k in FAMILIES}
    if chinese:
        atoms["name"] += [f for f in ("name_key", "pinyin_key", "family_name") if use(f)]
    else:
        atoms["name"] += [f for f in ("given_name", "family_name", "pinyin_key") if use(f)]
        for f in ("given_name", "family_name"):
            if use(f):
                atoms["name"] += [f"{f}:first1", f"{f}:first3"]
    if use("birth_date"):
        atoms["date"] += ["birth_date", "birth_date:year"]
    if use("phone"):
        atoms["phone"] += ["phone", "phone:last4"]
        if figure(prof, "phone", "mean_length") >= 11:
            atoms["phone"].append("phone:first10")
    if use("email"):
        atoms["email"] += ["email", "email:local_letters"]
    if use("id_number"):
        atoms["id"].append("id_number")
    for f in ("address", "postcode", "city"):
        if use(f):
            atoms["location"].append(f)
    if use("address") and not chinese:
        atoms["location"].append("address:first4")
    return atoms


def family_of(key: str) -> str:
    col = key.split(":")[0]
    return next((f for f, cols in FAMILIES.items() if col in cols), col)


def pass_name(keys: Sequence[str]) -> str:
    return "+".join(k.replace(":", "_") for k in keys)


def candidate_passes(prof: pd.DataFrame, min_fill: float = 0.02) -> list[dict[str, Any]]:
    """Candidate blocking passes for the fields present (``linkage.blocking`` entries).

    Example
    -------
    >>> prof = pd.DataFrame({"fill": [1.0, 1.0, 0.8], "distinct": [50, 40, 300],
    ...     "top_share": [0.1, 0.1, 0.01], "cjk": [0.0, 0.0, 0.0], "filled": [10, 10, 8],
    ...     "mean_length": [5.0, 6.0, 10.0]}, index=["given_name", "family_name", "birth_date"])
    >>> [p["name"] for p in candidate_passes(prof)][:4]
    ['birth_date', 'given_name+family_name', 'given_name_first3+family_name_first3', ...]
    """
    atoms = _atoms(prof, min_fill)
    whole = {"name_key", "pinyin_key", "phone", "email", "id_number", "address", "birth_date"}
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, ...]] = set()

    def add(keys: Sequence[str], **extra: Any) -> None:
        key = (
            *keys,
            *(k for alt in extra.get("cross_keys", ()) for k in alt),
            str(extra.get("max_block_size", "")),
        )
        if key in seen:
            return
        seen.add(key)
        out.append({"name": pass_name(keys), "keys": list(keys), **extra})

    for fam in ("id", "email", "phone", "name", "location", "date"):
        for a in atoms[fam]:
            if a in whole:
                add([a], **({"max_block_size": 50} if a in CONTACT_FIELDS else {}))
    names = atoms["name"]
    # a rare full name alone: a value few records hold is evidence by itself (cheap to compare)
    for a in names:
        if a in ("name_key", "pinyin_key"):
            add([a], name=f"{a}_rare", max_block_size=RARE_BLOCK)
    # a name's parts together (exact full name; prefixes of both)
    for a, b in (
        ("given_name", "family_name"),
        ("given_name:first3", "family_name:first3"),
        ("family_name", "given_name:first1"),
    ):
        if a in names and b in names:
            add([a, b])
    # a street and its town: the address start with the postcode or the city
    loc = atoms["location"]
    for a, b in (("address:first4", "postcode"), ("address:first4", "city"), ("postcode", "city")):
        if a in loc and b in loc:
            add([a, b])
    fams = [f for f in FAMILIES if atoms[f]]
    for fa, fb in itertools.combinations(fams, 2):
        for a in atoms[fa]:
            for b in atoms[fb]:
                if (
                    a in whole
                    and b in whole
                    and fa in ("id", "email", "phone")
                    and fb in ("id", "email", "phone")
                ):
                    continue  # two identifiers: the single-key passes already hold these pairs
                add([a, b])
    if "given_name" in names and "family_name" in names:
        add(
            ["family_name", "given_name:first1"],
            cross_keys=[["given_name", "family_name:first1"]],
            name="name_swap",
        )
    if (
        "email:local_letters" in atoms["email"]
        and "pinyin_key" in names
        and "city" in atoms["location"]
    ):
        add(
            ["email:local_letters", "city"],
            name="email_name_city",
            max_block_size=50,
            cross_keys=[["pinyin_key:concat", "city"], ["pinyin_key:rconcat", "city"]],
        )
    return out


def count_pass_pairs(
    df: pd.DataFrame,
    keys: Sequence[str],
    max_block_size: int,
    link_type: str = "dedupe_and_link",
    cache: dict[Any, Any] | None = None,
) -> tuple[int, int]:
    """Exact pairs a (non-cross, non-window) pass yields, and records in its oversized blocks,
    from key frequencies alone.

    Example
    -------
    >>> df = pd.DataFrame({"source": ["a", "a", "b", "b"], "city": ["x", "x", "x", "y"]})
    >>> count_pass_pairs(df, ["city"], 200), count_pass_pairs(df, ["city"], 200, "link_only")
    ((3, 0), (2, 0))
    >>> count_pass_pairs(df, ["city"], 2)
    (0, 3)
    """
    codes = block_codes(df, keys, cache)
    valid = codes >= 0
    sizes = np.bincount(codes[valid]).astype(np.int64) if valid.any() else np.zeros(0, np.int64)
    ok = (sizes >= 2) & (sizes <= max_block_size)
    oversized = int(sizes[sizes > max_block_size].sum())
    if link_type != "link_only":
        return int((sizes[ok] * (sizes[ok] - 1) // 2).sum()), oversized
    src = pd.factorize(df["source"])[0]
    per = pd.DataFrame({"c": codes[valid], "s": src[valid]}).value_counts().reset_index(name="k")
    same = per.assign(sq=per["k"] ** 2).groupby("c")["sq"].sum()
    sq = np.zeros(len(sizes), np.int64)
    sq[same.index.to_numpy()] = same.to_numpy()
    return int(((sizes[ok] ** 2 - sq[ok]) // 2).sum()), oversized
