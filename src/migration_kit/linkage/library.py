"""The comparison library: which comparisons a client's fields call for, and why.

Each field type has its comparison, chosen when its fields exist and carry information (filled
on at least ``min_fill`` of the records, two or more values, no value on 99% of them):

- names: Chinese (exact, pinyin, an e-mail spelling the name, family name only, Levenshtein on
  pinyin, and the rule that two full names differing beyond a typo are two people) or Latin
  (given and family name apart, exact and Jaro-Winkler tiers; a swapped level when given and
  family names are swapped between records, :func:`swapped_share`);
- dates (exact, day and month swapped, one part off, within a year), phone (exact, last 8 digits,
  one digit off; landline against mobile neutral), ID number, gender;
- e-mail (exact, local part, one edit; exact only where addresses spell their owner's name,
  :func:`email_spells_name`);
- location: one hierarchical comparison (best level wins) when the address names its city or
  when people live together (:func:`households_share`), else address, city, postcode and
  province apart; countries as the records state them (``country_given``), not source defaults;
- where people live together (Latin names), a given-name rule whose tolerance comes from the
  data (:func:`name_tolerance`), yielding to the contact fields relatives rarely share.

Example
-------
>>> import pandas as pd
>>> prof = pd.DataFrame({"fill": [1.0, 0.9, 0.5], "distinct": [50, 40, 30],
...     "top_share": [0.1, 0.1, 0.1], "cjk": [0.0, 0.0, 0.0], "filled": [10, 9, 5]},
...     index=["given_name", "family_name", "email"])
>>> comps, settings = choose_comparisons(prof)
>>> [c["name"] for c in comps], settings["tf_adjust"]
(['given_name', 'family_name', 'email'], ['given_name', 'family_name'])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CONTACT_FIELDS",
    "FAMILIES",
    "choose_comparisons",
    "email_spells_name",
    "figure",
    "households_share",
    "is_chinese",
    "name_tolerance",
    "pct",
    "swapped_share",
    "usable",
]

FAMILIES: dict[str, tuple[str, ...]] = {
    "name": ("name_key", "pinyin_key", "given_name", "family_name", "full_name"),
    "date": ("birth_date",),
    "phone": ("phone",),
    "email": ("email",),
    "id": ("id_number",),
    "location": ("address", "postcode", "city", "district", "province"),
}
CONTACT_FIELDS = ("phone", "email", "id_number")
_JW = (("exact", "exact", None), ("jw92", "jaro_winkler", 0.92), ("jw80", "jaro_winkler", 0.8))


def figure(prof: pd.DataFrame, field_name: str, column: str) -> float:
    """One profile figure as a float (0 for a field the profile does not hold)."""
    if field_name not in prof.index:
        return 0.0
    return float(prof[column].astype(float).loc[field_name])


def usable(prof: pd.DataFrame, field_name: str, min_fill: float) -> bool:
    if field_name not in prof.index:
        return False
    row = prof.loc[field_name]
    return bool(row["fill"] >= min_fill and row["distinct"] >= 2 and row["top_share"] < 0.99)


def _levels(
    spec: Sequence[tuple[str, str, float | None]], column: str | None = None
) -> list[dict[str, Any]]:
    out = []
    for name, test, thr in spec:
        lv: dict[str, Any] = {"name": name, "test": test}
        if thr is not None:
            lv["threshold"] = thr
        if column:
            lv["column"] = column
        out.append(lv)
    return out


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _cjk_share(prof: pd.DataFrame) -> float:
    for f in ("full_name", "name_key", "family_name"):
        if f in prof.index and figure(prof, f, "filled") > 0:
            return float(figure(prof, f, "cjk"))
    return 0.0


def is_chinese(prof: pd.DataFrame) -> bool:
    """Whether the names are mostly in CJK script (then Chinese name knowledge applies)."""
    return _cjk_share(prof) >= 0.2


def name_tolerance(std: pd.DataFrame) -> int | None:
    """How far one person's given name varies in this data: among pairs that share an e-mail or
    a phone AND a birth date (one person beyond doubt), the fewest edits (OSA) covering at least
    85% of their given names beyond which one more edit covers under 2% more; None with fewer
    than 30 such pairs or when no such point comes by 3 edits.

    Example
    -------
    >>> std = pd.DataFrame({"email": [f"p{k // 2}@x.org" for k in range(80)],
    ...     "birth_date": pd.to_datetime(["1980-01-01"] * 80),
    ...     "given_name": ["Anna", "Ana"] * 40, "phone": [None] * 80})
    >>> name_tolerance(std)
    1
    """
    if "given_name" not in std or "birth_date" not in std:
        return None
    from rapidfuzz.distance import OSA
    from rapidfuzz.process import cpdist

    from .blocking import block_pairs
    from .spec import BlockingRule

    df = std.reset_index(drop=True)
    rules = [
        BlockingRule(name=f"{c}_dob", keys=(c, "birth_date")) for c in ("email", "phone") if c in df
    ]
    if not rules:
        return None
    pairs, _ = block_pairs(df, rules, 20)
    given = df["given_name"].to_numpy(dtype=object)
    i, j = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    known = pd.notna(given[i]) & pd.notna(given[j])
    if known.sum() < 30:
        return None
    a = pd.Series(given[i][known]).str.lower().to_numpy(dtype=object)
    b = pd.Series(given[j][known]).str.lower().to_numpy(dtype=object)
    dist = cpdist(a, b, scorer=OSA.distance)
    cover = [float((dist <= k).mean()) for k in range(5)]
    for k in range(4):  # the elbow: one edit more would cover under 2% more of the pairs
        if cover[k] >= 0.85 and cover[k + 1] - cover[k] < 0.02:
            return k
    return None


def _given_name_rule(
    prof: pd.DataFrame, std: pd.DataFrame, use: Callable[[str], bool]
) -> dict[str, Any] | None:
    """Where people live together, a given name that differs beyond how one person's name varies
    marks another person: a ``tokens_differ`` rule on the full name (the family name both share
    drops out; a swap is no conflict), yielding to the contact fields relatives rarely share."""
    shared, pairs = households_share(std)
    if pairs < _HOUSEHOLD_PAIRS or shared >= 0.5 or not use("name_key"):
        return None
    k = name_tolerance(std)
    if k is None:
        return None
    unless = [
        c for c in ("id_number", "email", "phone") if use(c) and _household_share_of(std, c) < 0.3
    ]
    return {
        "name": "different_given_names",
        "column": "name_key",
        "test": "tokens_differ",
        "threshold": 0.5 if k <= 1 else 0.3,
        "max_edits": k,
        "min_tokens": 2,
        "unless": unless,
    }


def _household_share_of(std: pd.DataFrame, column: str) -> float:
    """Among pairs at one address with one family name but other given names, the share that
    also share ``column`` (both known)."""
    need = ("address", "family_name", "given_name", column)
    if any(c not in std for c in need):
        return 1.0
    from rapidfuzz.distance import JaroWinkler
    from rapidfuzz.process import cpdist

    from .blocking import block_pairs
    from .spec import BlockingRule

    df = std[list(dict.fromkeys(need))].dropna(subset=["address", "family_name", "given_name"])
    df = df.reset_index(drop=True)
    pairs, _ = block_pairs(df, [BlockingRule(name="h", keys=("address", "family_name"))], 50)
    if not len(pairs):
        return 1.0
    i, j = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    given = df["given_name"].astype(str).to_numpy(dtype=object)
    differ = cpdist(given[i], given[j], scorer=JaroWinkler.normalized_similarity) < 0.8
    values = df[column].to_numpy(dtype=object)
    known = differ & pd.notna(values[i]) & pd.notna(values[j])
    return float((values[i][known] == values[j][known]).mean()) if known.any() else 1.0


def email_spells_name(std: pd.DataFrame) -> float:
    """Share of records with an e-mail and a family name whose e-mail's local part holds the
    family name's letters (``liam.dixon@...``).

    Example
    -------
    >>> std = pd.DataFrame({"email": ["liam.dixon@x.org", "zz9@y.org"],
    ...                     "family_name": ["Dixon", "Lee"]})
    >>> email_spells_name(std)
    0.5
    """
    if "email" not in std or "family_name" not in std:
        return 0.0
    both = std[["email", "family_name"]].dropna()
    if not len(both):
        return 0.0
    local = (
        both["email"]
        .astype(str)
        .str.split("@")
        .str[0]
        .str.lower()
        .str.replace(r"[^a-z]", "", regex=True)
    )
    family = both["family_name"].astype(str).str.lower().str.replace(r"[^a-z]", "", regex=True)
    hit = [bool(f) and f in loc for loc, f in zip(local, family, strict=True)]
    return float(np.mean(hit))


#: Share of records with an exact given/family swap partner that calls for a swapped level.
_SWAP_SHARE = 0.005


def swapped_share(std: pd.DataFrame) -> float:
    """Record pairs whose given and family names are exactly swapped, per record.

    Example
    -------
    >>> std = pd.DataFrame({"given_name": ["Ann", "Lee", "Bo"],
    ...                     "family_name": ["Lee", "Ann", "Ng"]})
    >>> round(swapped_share(std), 3)
    0.333
    """
    if "given_name" not in std or "family_name" not in std or not len(std):
        return 0.0
    from .levels import ColumnData, swapped_pairs

    given = (
        std["given_name"].str.lower() if std["given_name"].dtype == object else std["given_name"]
    )
    family = (
        std["family_name"].str.lower() if std["family_name"].dtype == object else std["family_name"]
    )
    return swapped_pairs(ColumnData(given), ColumnData(family)) / len(std)


#: Pairs needed to tell households from corrupted duplicates (else households are assumed).
_HOUSEHOLD_PAIRS = 10


def households_share(std: pd.DataFrame) -> tuple[float, int]:
    """Do different people live at one address? Among record pairs that share an address and a
    family name but whose given names differ (Jaro-Winkler < 0.8), both with a birth date: the
    share whose birth dates are equal, and the number of such pairs. Duplicates whose given
    name was mistyped or replaced keep their birth date (a high share); relatives do not.

    Example
    -------
    >>> std = pd.DataFrame({"address": ["1 A St"] * 3, "family_name": ["Lee"] * 3,
    ...     "given_name": ["Ann", "Bob", "Cy"], "birth_date": pd.to_datetime(
    ...         ["1970-01-01", "1972-02-02", "2001-03-03"])})
    >>> households_share(std)
    (0.0, 3)
    """
    need = ("address", "family_name", "given_name", "birth_date")
    if any(c not in std for c in need):
        return 0.0, 0
    df = std[list(need)].dropna().reset_index(drop=True)
    if len(df) < 2:
        return 0.0, 0
    from .blocking import block_pairs
    from .spec import BlockingRule

    rule = BlockingRule(name="household", keys=("address", "family_name"))
    pairs, _ = block_pairs(df, [rule], 50)
    if not len(pairs):
        return 0.0, 0
    from rapidfuzz.distance import JaroWinkler
    from rapidfuzz.process import cpdist

    i, j = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    given = df["given_name"].astype(str).to_numpy()
    differ = cpdist(given[i], given[j], scorer=JaroWinkler.normalized_similarity) < 0.8
    if not differ.any():
        return 0.0, 0
    dob = df["birth_date"].to_numpy()
    return float((dob[i][differ] == dob[j][differ]).mean()), int(differ.sum())


def _address_holds_region(std: pd.DataFrame) -> float:
    """Share of records with an address and a city whose address text names the city."""
    if "address" not in std or "city" not in std:
        return 0.0
    both = std["address"].notna() & std["city"].notna()
    if not both.any():
        return 0.0
    sample = std.loc[both, ["address", "city"]].head(20_000)
    city = sample["city"].astype(str).str.replace(r"(市|区|县|自治州|地区|盟)$", "", regex=True)
    hits = [c[:2] in a for a, c in zip(sample["address"].astype(str), city, strict=True) if c]
    return float(np.mean(hits)) if hits else 0.0


def choose_comparisons(
    prof: pd.DataFrame, std: pd.DataFrame | None = None, min_fill: float = 0.02
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Comparisons for the fields present, and the settings that go with them.

    Returns ``(comparisons, settings)``: ``comparisons`` as ``linkage.comparisons`` entries
    (each with its ``reason``), ``settings`` with ``tf_adjust``, ``conflict_columns`` and
    ``conflict_rules``.

    Example
    -------
    >>> prof = pd.DataFrame({"fill": [1.0, 0.9, 0.5], "distinct": [50, 40, 30],
    ...     "top_share": [0.1, 0.1, 0.1], "cjk": [0.0, 0.0, 0.0], "filled": [10, 9, 5]},
    ...     index=["given_name", "family_name", "email"])
    >>> comps, settings = choose_comparisons(prof)
    >>> [c["name"] for c in comps], settings["tf_adjust"]
    (['given_name', 'family_name', 'email'], ['given_name', 'family_name'])
    """

    def use(f: str) -> bool:
        return usable(prof, f, min_fill)

    def fill(f: str) -> str:
        return pct(float(figure(prof, f, "fill")))

    comps: list[dict[str, Any]] = []
    tf: list[str] = []
    conflicts: list[str] = []
    rules: list[dict[str, Any]] = []
    chinese = is_chinese(prof)
    if chinese and (use("name_key") or use("pinyin_key")):
        levels: list[dict[str, Any]] = []
        given_gaps = use("family_name") and (
            "given_name" not in prof.index
            or figure(prof, "given_name", "fill") < figure(prof, "family_name", "fill") - 0.005
        )
        needs = ["given_name"] if given_gaps else []
        if use("name_key"):
            levels.append({"name": "exact", "test": "exact", "column": "name_key", "needs": needs})
        if use("pinyin_key"):
            levels.append(
                {"name": "pinyin", "test": "exact", "column": "pinyin_key", "needs": needs}
            )
        if use("email") and use("pinyin_key"):
            levels.append(
                {
                    "name": "email_name",
                    "test": "email_name",
                    "column": "email",
                    "other": "pinyin_key",
                }
            )
        if given_gaps:
            levels.append(
                {
                    "name": "family_only",
                    "test": "partial",
                    "column": "family_name",
                    "missing": "given_name",
                }
            )
        if use("pinyin_key"):
            levels.append(
                {"name": "lev88", "test": "levenshtein", "threshold": 0.88, "column": "pinyin_key"}
            )
        cols = [c for c in ("pinyin_key", "name_key") if use(c)]
        comps.append(
            {
                "name": "name",
                "columns": cols,
                "levels": levels,
                "reason": f"names mostly in CJK script ({pct(_cjk_share(prof))} of "
                "values): exact, pinyin and fuzzy pinyin tiers"
                + ("; e-mail spelling the name" if use("email") else "")
                + ("; family name only (honorific contacts)" if given_gaps else ""),
            }
        )
        tf += [c for c in ("name_key", "pinyin_key") if use(c)]
        if use("pinyin_key"):
            rules.append(
                {
                    "name": "different_names",
                    "column": "pinyin_key",
                    "test": "tokens_differ",
                    "threshold": 0.8,
                    "max_edits": 1,
                    "unless": ["id_number"] if use("id_number") else [],
                }
            )
    else:
        for f in ("given_name", "family_name"):
            if use(f):
                comps.append(
                    {
                        "name": f,
                        "columns": [f],
                        "levels": _levels(_JW),
                        "reason": f"filled {fill(f)}: exact and Jaro-Winkler tiers "
                        "(typos, spelling variants)",
                    }
                )
                tf.append(f)
        swaps = swapped_share(std) if std is not None and len(tf) == 2 else 0.0
        if swaps >= _SWAP_SHARE:
            # given and family name entered in each other's place: one swapped level on the
            # given name (on both, EM would count one swap twice)
            comps[0]["levels"].insert(
                1, {"name": "swapped", "test": "swapped", "other": "family_name", "threshold": 0.9}
            )
            comps[0]["reason"] += (
                f"; given and family name swapped between records for {pct(swaps)} of records"
            )
        rule = _given_name_rule(prof, std, use) if std is not None and len(tf) == 2 else None
        if rule is not None:
            rules.append(rule)
        if not tf and use("full_name"):
            comps.append(
                {
                    "name": "full_name",
                    "columns": ["full_name"],
                    "levels": _levels(_JW),
                    "reason": f"filled {fill('full_name')}, not split into parts",
                }
            )
            tf.append("full_name")
    if use("birth_date"):
        comps.append(
            {
                "name": "birth_date",
                "columns": ["birth_date"],
                "levels": [
                    {"name": "exact", "test": "exact"},
                    {"name": "transposed", "test": "date_transposed"},
                    {"name": "one_part", "test": "date_components", "threshold": 2},
                    {"name": "within_1y", "test": "date_within_days", "threshold": 366},
                ],
                "reason": f"filled {fill('birth_date')}: exact, day/month swapped, one part off, "
                "within a year",
            }
        )
        conflicts.append("birth_date")
    if use("phone"):
        levels = [
            {"name": "exact", "test": "exact"},
            {"name": "last8", "test": "suffix", "threshold": 8},
            {"name": "one_digit", "test": "hamming", "threshold": 1},
        ]
        mixed = use("phone_type") and figure(prof, "phone_type", "top_share") < 0.995
        if mixed:
            levels.append(
                {"name": "other_type", "test": "differs", "column": "phone_type", "neutral": True}
            )
        comps.append(
            {
                "name": "phone",
                "columns": ["phone"],
                "levels": levels,
                "reason": f"filled {fill('phone')}: exact, last 8 digits, one digit off"
                + ("; landline vs mobile neutral" if mixed else ""),
            }
        )
    if use("email"):
        named = email_spells_name(std) if std is not None and not chinese else 0.0
        if named >= 0.5:
            # addresses built from names: a near-equal one is a namesake's (sarah.smith90 /
            # sarah.smith85), not a typo
            levels = [{"name": "exact", "test": "exact"}]
            why = (
                f"filled {fill('email')}: exact only, {pct(named)} of addresses spell their "
                "owner's name, so near-equal ones belong to namesakes"
            )
        else:
            levels = [
                {"name": "exact", "test": "exact"},
                {"name": "local", "test": "email_local"},
                {"name": "edit1", "test": "edit_distance", "threshold": 1},
            ]
            why = f"filled {fill('email')}: exact, same local part, one edit"
        comps.append({"name": "email", "columns": ["email"], "levels": levels, "reason": why})
    if use("id_number"):
        comps.append(
            {
                "name": "id_number",
                "columns": ["id_number"],
                "levels": [{"name": "exact", "test": "exact"}],
                "reason": f"filled {fill('id_number')}: an identifier",
            }
        )
        conflicts.insert(0, "id_number")
    comps += _location(prof, std, use, fill)
    if use("gender"):
        comps.append(
            {
                "name": "gender",
                "columns": ["gender"],
                "levels": [{"name": "exact", "test": "exact"}],
                "reason": f"filled {fill('gender')}",
            }
        )
    settings = {"tf_adjust": tf, "conflict_columns": conflicts, "conflict_rules": rules}
    return comps, settings


def _location(
    prof: pd.DataFrame, std: pd.DataFrame | None, use: Any, fill: Any
) -> list[dict[str, Any]]:
    region = _address_holds_region(std) if std is not None else 0.0
    households = households_share(std) if std is not None and region < 0.5 else None
    # countries the records state (a source default is no evidence about the person)
    country = "country_given" if "country_given" in prof.index else "country"
    countries = use(country) and figure(prof, country, "top_share") < 0.999
    out: list[dict[str, Any]] = []
    shared, pairs = households if households is not None else (0.0, 0)
    live_together = pairs < _HOUSEHOLD_PAIRS or shared < 0.5
    if use("address") and (region >= 0.5 or live_together):
        levels: list[dict[str, Any]] = [
            {"name": "address", "test": "exact", "column": "address"},
            {"name": "address_close", "test": "levenshtein", "threshold": 0.8, "column": "address"},
        ]
        cols = ["address"]
        for f in ("postcode", "city"):
            if use(f):
                levels.append({"name": f, "test": "exact", "column": f})
                cols.append(f)
        if countries:
            levels.append({"name": "other_country", "test": "differs", "column": country})
            cols.append(country)
        out.append(
            {
                "name": "location",
                "columns": cols,
                "levels": levels,
                "reason": (
                    f"the address names its city in {pct(region)} of records"
                    if region >= 0.5
                    else f"people live together: of {pairs} pairs sharing an address and a "
                    f"family name but not a given name, {pct(shared)} share a birth date"
                    if pairs >= _HOUSEHOLD_PAIRS
                    else "too few birth dates to tell relatives at one address from typos"
                )
                + ": address, postcode and city are one piece of evidence, best level wins",
            }
        )
        return out
    if use("address"):
        out.append(
            {
                "name": "address",
                "columns": ["address"],
                "levels": [
                    {"name": "exact", "test": "exact"},
                    {"name": "lev85", "test": "levenshtein", "threshold": 0.85},
                    {"name": "lev60", "test": "levenshtein", "threshold": 0.6},
                ],
                "reason": f"filled {fill('address')}, recorded apart from the city: exact and "
                "edit-similarity tiers",
            }
        )
    if use("city"):
        out.append(
            {
                "name": "city",
                "columns": ["city"],
                "levels": _levels(
                    (
                        ("exact", "exact", None),
                        ("jw90", "jaro_winkler", 0.9),
                        ("jw80", "jaro_winkler", 0.8),
                    )
                ),
                "reason": f"filled {fill('city')}: exact and Jaro-Winkler tiers",
            }
        )
    if use("postcode"):
        out.append(
            {
                "name": "postcode",
                "columns": ["postcode"],
                "levels": [
                    {"name": "exact", "test": "exact"},
                    {"name": "edit1", "test": "edit_distance", "threshold": 1},
                ],
                "reason": f"filled {fill('postcode')}: exact, one edit",
            }
        )
    if use("province"):
        out.append(
            {
                "name": "province",
                "columns": ["province"],
                "levels": [{"name": "exact", "test": "exact"}],
                "reason": f"filled {fill('province')}",
            }
        )
    if countries:
        out.append(
            {
                "name": "country",
                "columns": [country],
                "levels": [{"name": "exact", "test": "exact"}],
                "reason": "several countries among the records (as stated, not source defaults)",
            }
        )
    return out
