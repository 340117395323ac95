"""The linkage planner: comparisons and blocking passes chosen from the client's own records.

Recipe (:func:`plan_linkage`):

1. **Profile** the standardized records (:mod:`.profile`): fill, distinct values, script.
2. **Comparisons** from a library of field-type comparisons (:func:`choose_comparisons`), each
   chosen when its fields exist and carry information: names (Chinese: exact, pinyin, e-mail
   spelling the name, family name only, Levenshtein on pinyin; Latin: given and family name
   apart, exact and Jaro-Winkler tiers), dates, phone, e-mail, ID number, location (one
   hierarchical comparison when city and province are read out of the address text, else
   address, city, postcode and province apart), gender. Conflict rules only where their fields
   exist.
3. **Candidate passes** from the fields present (:func:`candidate_passes`): single informative
   keys, pairs of keys from different fields, prefixes and suffixes, given and family name
   swapped, an e-mail spelling the other record's name. Each pass's pairs are counted exactly
   from key frequencies before anything is compared (:func:`count_pass_pairs`).
4. **Selection** under the budget ``pairs_per_record x records``: a first model is fitted on the
   strict passes (at most half a pair per record); then, lazily and greedily, the pass whose new
   pairs hold the most expected matches per pair (sum of match probabilities under the current
   model, a uniform sample of its new pairs scored) is added while it brings at least
   ``min_gain`` of the matches found so far, the model refitted after each addition.
5. **Link type**: with several sources and no confident duplicate inside any source, the sources
   are linked to each other only (``link_only``, at most one record per source per entity).
6. **Blocking recall** estimated by capture-recapture (Chapman) between two families of passes
   whose evidence is roughly independent: passes on a contact identifier (phone, e-mail, ID)
   against the rest, or passes on a name against the rest.

The result, :class:`LinkagePlan`, holds the frozen ``linkage:`` section (every choice with its
reason, as YAML), the pass and comparison tables and the recall estimate.

Example
-------
>>> import pandas as pd
>>> std = pd.DataFrame({"source": ["a"] * 4, "record_id": list("1234"),
...     "given_name": ["Ann", "Ann", "Bob", "Bob"], "family_name": ["Lee", "Lee", "Ng", "Ngg"],
...     "name_key": ["lee ann", "lee ann", "ng bob", "ngg bob"],
...     "pinyin_key": ["ann lee", "ann lee", "bob ng", "bob ngg"],
...     "birth_date": pd.to_datetime(["1990-01-02", "1990-01-02", "1985-05-05", "1985-05-05"])})
>>> plan = plan_linkage(std)
>>> [c.name for c in plan.spec.comparisons]
['given_name', 'family_name', 'birth_date']
>>> plan.spec.blocking[0].keys
('given_name', 'birth_date')
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .blocking import block_codes, block_pairs
from .compare import column_data, compare_levels
from .defaults import DEFAULT_SPEC
from .engine import ComparisonVectors
from .local import LocalEngine, _score
from .profile import profile_records
from .section import LinkageSection, PlannerSpec
from .spec import BlockingRule, LinkageSpec

__all__ = [
    "LinkagePlan",
    "candidate_passes",
    "choose_comparisons",
    "count_pass_pairs",
    "plan_linkage",
]

#: Fields of each family; a blocking pass pairs keys from different families.
FAMILIES: dict[str, tuple[str, ...]] = {
    "name": ("name_key", "pinyin_key", "given_name", "family_name", "full_name"),
    "date": ("birth_date",),
    "phone": ("phone",),
    "email": ("email",),
    "id": ("id_number",),
    "location": ("address", "postcode", "city", "district", "province"),
}
_CONTACT = ("phone", "email", "id_number")
#: Keys of the settings the planner does not choose (they come from DEFAULT_SPEC or overrides).
_PLANNED = (
    "blocking",
    "comparisons",
    "tf_adjust",
    "conflict_columns",
    "conflict_rules",
    "link_type",
)
_JW = (("exact", "exact", None), ("jw92", "jaro_winkler", 0.92), ("jw80", "jaro_winkler", 0.8))


@dataclass(frozen=True)
class LinkagePlan:
    """What the planner chose and why.

    Attributes
    ----------
    section : dict
        The complete, frozen ``linkage:`` section (paste it into the params file to pin it).
    spec : LinkageSpec
        ``section`` parsed.
    passes : DataFrame
        Every candidate pass: ``name, keys, pairs, pairs_per_record, oversized_records, status,
        expected_matches, reason`` (status ``strict``, ``added``, ``not added``, ``over budget``).
    comparisons : DataFrame
        ``name, columns, levels, reason``.
    profile : DataFrame
        :func:`~.profile.profile_records` of the input.
    recall : dict
        The blocking recall estimate and how it was made.
    """

    section: dict[str, Any]
    spec: LinkageSpec
    passes: pd.DataFrame
    comparisons: pd.DataFrame
    profile: pd.DataFrame
    recall: dict[str, Any] = field(default_factory=dict)

    def to_yaml(self) -> str:
        """The ``linkage:`` section as YAML, headed by the recall estimate (comments)."""
        head = [
            "# linkage section chosen by the migration_kit planner from this client's records.",
            "# Paste it under 'linkage:' in the params file to freeze it (same entities).",
            f"# estimated blocking recall: {self.recall.get('text', 'n/a')}",
        ]
        body = yaml.safe_dump(
            {"linkage": self.section}, allow_unicode=True, sort_keys=False, width=100
        )
        return "\n".join(head) + "\n" + body


# -- comparisons -------------------------------------------------------------------------------
def _usable(prof: pd.DataFrame, field_name: str, min_fill: float) -> bool:
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


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _cjk_share(prof: pd.DataFrame) -> float:
    for f in ("full_name", "name_key", "family_name"):
        if f in prof.index and prof.at[f, "filled"] > 0:
            return float(prof.at[f, "cjk"])
    return 0.0


def is_chinese(prof: pd.DataFrame) -> bool:
    """Whether the names are mostly in CJK script (then Chinese name knowledge applies)."""
    return _cjk_share(prof) >= 0.2


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
        return _usable(prof, f, min_fill)

    def fill(f: str) -> str:
        return _pct(float(prof.at[f, "fill"]))

    comps: list[dict[str, Any]] = []
    tf: list[str] = []
    conflicts: list[str] = []
    rules: list[dict[str, Any]] = []
    chinese = is_chinese(prof)
    if chinese and (use("name_key") or use("pinyin_key")):
        levels: list[dict[str, Any]] = []
        given_gaps = use("family_name") and (
            "given_name" not in prof.index
            or prof.at["given_name", "fill"] < prof.at["family_name", "fill"] - 0.005
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
                "reason": f"names mostly in CJK script ({_pct(_cjk_share(prof))} of "
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
        mixed = use("phone_type") and prof.at["phone_type", "top_share"] < 0.995
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
        comps.append(
            {
                "name": "email",
                "columns": ["email"],
                "levels": [
                    {"name": "exact", "test": "exact"},
                    {"name": "local", "test": "email_local"},
                    {"name": "edit1", "test": "edit_distance", "threshold": 1},
                ],
                "reason": f"filled {fill('email')}: exact, same local part, one edit",
            }
        )
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
    countries = use("country") and prof.at["country", "top_share"] < 0.999
    out: list[dict[str, Any]] = []
    if use("address") and region >= 0.5:
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
            levels.append({"name": "other_country", "test": "differs", "column": "country"})
            cols.append("country")
        out.append(
            {
                "name": "location",
                "columns": cols,
                "levels": levels,
                "reason": f"the address names its city in {_pct(region)} of records: "
                "address, postcode and city are one piece of evidence, best level "
                "wins",
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
                "columns": ["country"],
                "levels": [{"name": "exact", "test": "exact"}],
                "reason": "several countries among the records",
            }
        )
    return out


# -- candidate passes ---------------------------------------------------------------------------
def _atoms(prof: pd.DataFrame, min_fill: float) -> dict[str, list[str]]:
    """Blocking keys per field family (whole values, prefixes and suffixes)."""

    def use(f: str) -> bool:
        return _usable(prof, f, min_fill)

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
        if prof.at["phone", "mean_length"] >= 11:
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


_STRICT_PASSES = 4


def _family(key: str) -> str:
    col = key.split(":")[0]
    return next((f for f, cols in FAMILIES.items() if col in cols), col)


def _name(keys: Sequence[str]) -> str:
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
        key = (*keys, *(k for alt in extra.get("cross_keys", ()) for k in alt))
        if key in seen:
            return
        seen.add(key)
        out.append({"name": _name(keys), "keys": list(keys), **extra})

    for fam in ("id", "email", "phone", "name", "location", "date"):
        for a in atoms[fam]:
            if a in whole:
                add([a], **({"max_block_size": 50} if a in _CONTACT else {}))
    names = atoms["name"]
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


# -- selection ----------------------------------------------------------------------------------
@dataclass
class _State:
    """The pairs chosen so far, as sorted keys ``i * n + j``, and the current model."""

    n: int
    keys: np.ndarray
    spec: LinkageSpec
    trained: Any = None
    cols: dict[str, Any] = field(default_factory=dict)


def _pairs_of(df: pd.DataFrame, rules: Sequence[dict[str, Any]], spec: LinkageSpec) -> np.ndarray:
    built = [BlockingRule.from_dict(r, "plan") for r in rules]
    pairs, _ = block_pairs(df, built, spec.max_block_size, spec.link_type)
    return pairs["i"].to_numpy(np.int64) * len(df) + pairs["j"].to_numpy(np.int64)


def _fit(df: pd.DataFrame, state: _State) -> None:
    n = state.n
    i, j = state.keys // max(n, 1), state.keys % max(n, 1)
    levels = compare_levels(df, i, j, state.spec.comparisons, state.cols)
    state.trained = LocalEngine().train(df, state.spec, ComparisonVectors(levels, state.cols))


def _probability(df: pd.DataFrame, state: _State, keys: np.ndarray) -> np.ndarray:
    n = state.n
    i, j = keys // max(n, 1), keys % max(n, 1)
    levels = compare_levels(df, i, j, state.spec.comparisons, state.cols)
    quick = dataclasses.replace(state.spec, tf_classes=None)  # class odds need the full pair set
    src = pd.factorize(df["source"])[0] if state.spec.link_type == "link_only" else None
    return _score(quick, state.trained.model, levels, state.cols, i, j, src)[2]


def _gain(
    df: pd.DataFrame, state: _State, keys: np.ndarray, limit: int, seed: int
) -> tuple[float, int]:
    """Expected matches among the new pairs of ``keys``, and how many new pairs there are."""
    new = keys[~np.isin(keys, state.keys, assume_unique=True)]
    if not len(new):
        return 0.0, 0
    sample = new
    if len(new) > limit:
        sample = np.sort(np.random.default_rng(seed).choice(new, size=limit, replace=False))
    prob = _probability(df, state, sample)
    return float(prob.sum()) * len(new) / len(sample), len(new)


def _spec_of(section: Mapping[str, Any]) -> LinkageSpec:
    return LinkageSpec.from_dict(dict(section), "linkage (planned)")


def _recall(
    df: pd.DataFrame,
    spec: LinkageSpec,
    state: _State,
    chosen: list[dict[str, Any]],
    threshold: float,
) -> dict[str, Any]:
    """Chapman capture-recapture between two families of the chosen passes."""
    plain = [r for r in chosen if not r.get("cross_keys") and not r.get("window")]
    contact = [r for r in plain if any(k.split(":")[0] in _CONTACT for k in r["keys"])]
    named = [r for r in plain if any(k.split(":")[0] in FAMILIES["name"] for k in r["keys"])]
    if contact and len(contact) < len(plain):
        fam_a, label = contact, "passes on a phone, e-mail or ID number"
    elif named and len(named) < len(plain):
        fam_a, label = named, "passes on a name"
    else:
        return {"estimate": None, "text": "not estimable (every pass rests on the same fields)"}
    fam_b = [r for r in plain if r not in fam_a]
    n = state.n
    prob = _probability(df, state, state.keys)
    conf = state.keys[prob >= threshold]
    if not len(conf):
        return {"estimate": None, "text": "not estimable (no confident match)"}
    i, j = conf // n, conf % n

    def covered(rules: list[dict[str, Any]]) -> np.ndarray:
        hit = np.zeros(len(conf), dtype=bool)
        for r in rules:
            codes = block_codes(df, r["keys"])
            hit |= (codes[i] >= 0) & (codes[i] == codes[j])
        return hit

    a, b = covered(fam_a), covered(fam_b)
    na, nb, nab = int(a.sum()), int(b.sum()), int((a & b).sum())
    total = (na + 1) * (nb + 1) / (nab + 1) - 1
    found = int((a | b).sum())
    est = min(1.0, found / total) if total > 0 else None
    text = (
        f"{est:.3f} (Chapman capture-recapture over {found} confident matches: {label} "
        f"caught {na}, the others {nb}, both {nab})"
        if est is not None
        else "not estimable"
    )
    return {
        "estimate": est,
        "confident_matches": found,
        "family_a": label,
        "caught_a": na,
        "caught_b": nb,
        "caught_both": nab,
        "text": text,
    }


def plan_linkage(
    std: pd.DataFrame,
    section: LinkageSection | None = None,
) -> LinkagePlan:
    """Plan the linkage of ``std`` (all sources, standardized): see the module docstring.

    Parameters
    ----------
    std : pandas.DataFrame
        Standardized records; needs ``source`` and ``record_id``.
    section : LinkageSection, optional
        Overrides and planner settings from the params file (default: none).

    Returns
    -------
    LinkagePlan
    """
    section = section or LinkageSection.default()
    planner: PlannerSpec = section.planner
    overrides = dict(section.overrides)
    df = std.reset_index(drop=True)
    n = len(df)
    prof = profile_records(df)
    comps, settings = choose_comparisons(prof, df, planner.min_fill)
    base: dict[str, Any] = {k: v for k, v in DEFAULT_SPEC.items() if k not in _PLANNED}
    base.update(settings)
    base["link_type"] = "dedupe_and_link"
    base.update({k: v for k, v in overrides.items() if k not in ("blocking", "comparisons")})
    base["comparisons"] = comps
    cap = int(base["max_block_size"])
    candidates = candidate_passes(prof, planner.min_fill)
    cache: dict[Any, Any] = {}
    rows = []
    for c in candidates:
        if c.get("cross_keys"):
            pairs = len(_pairs_of(df, [c], _spec_of({**base, "blocking": [c]})))
            over = 0
        else:
            pairs, over = count_pass_pairs(
                df, c["keys"], c.get("max_block_size", cap), base["link_type"], cache
            )
        rows.append({"pass": c, "pairs": pairs, "oversized_records": over})
    budget = planner.pairs_per_record * max(n, 1)
    usable = [r for r in rows if 0 < r["pairs"] <= budget]
    strict = sorted((r for r in usable if r["pairs"] <= 0.5 * n), key=lambda r: r["pairs"])
    if not strict and usable:
        strict = [min(usable, key=lambda r: r["pairs"])]
    chosen: list[dict[str, Any]] = []
    total = 0
    families: set[str] = set()
    for r in strict:  # the most selective pass of each field family: a first, precise model
        fam = _family(r["pass"]["keys"][0])
        if fam in families or len(chosen) >= _STRICT_PASSES:
            continue
        if total + r["pairs"] <= 0.5 * budget:
            chosen.append(r["pass"])
            families.add(fam)
            r["status"], total = "strict", total + r["pairs"]
    if not chosen:  # nothing fits: compare on the most selective key alone
        return _finish(df, base, [], rows, prof, comps, None)
    spec = _spec_of({**base, "blocking": chosen})
    state = _State(n, np.unique(_pairs_of(df, chosen, spec)), spec)
    state.cols = column_data(df, spec.comparisons)
    _fit(df, state)
    # several sources, no confident duplicate inside any: link the sources to each other only
    if df["source"].nunique() > 1 and "link_type" not in overrides:
        prob = _probability(df, state, state.keys)
        conf = state.keys[prob >= spec.upper_threshold]
        src = pd.factorize(df["source"])[0]
        within = int((src[conf // n] == src[conf % n]).sum())
        if len(conf) >= 50 and within <= 0.001 * len(conf):
            base["link_type"] = "link_only"
            base["conflict_columns"] = [*base["conflict_columns"], "source"]
            base["link_reason"] = (
                f"{len(conf)} confident matches in the first model, {within} "
                "inside one source: each source is free of duplicates, so "
                "records are linked across sources only"
            )
            spec = _spec_of(
                {k: v for k, v in base.items() if not k.endswith("_reason")} | {"blocking": chosen}
            )
            state.spec = spec
            keep = src[state.keys // n] != src[state.keys % n]
            state.keys = state.keys[keep]
            _fit(df, state)
    expected = float(_probability(df, state, state.keys).sum())
    seed = int(base["seed"])
    heap: list[tuple[float, int]] = []
    gains: dict[int, tuple[float, int, np.ndarray]] = {}
    for idx, r in enumerate(rows):
        if r.get("status") or not (0 < r["pairs"] <= budget):
            r.setdefault("status", "over budget" if r["pairs"] > budget else "no pairs")
            continue
        keys = np.unique(_pairs_of(df, [r["pass"]], spec))
        g, new = _gain(df, state, keys, planner.evaluation_pairs, seed)
        gains[idx] = (g, new, keys)
        heap.append((g / max(new, 1), idx))
    while heap and len(chosen) < planner.max_passes:
        heap.sort(reverse=True)
        _, idx = heap.pop(0)
        g, new, keys = gains[idx]
        g, new = _gain(df, state, keys, planner.evaluation_pairs, seed)  # against today's set
        if heap and new and g / new < heap[0][0]:  # no longer the best: back in line
            gains[idx] = (g, new, keys)
            heap.append((g / new, idx))
            continue
        r = rows[idx]
        r["expected_matches"] = round(g, 1)
        if g < max(1.0, planner.min_gain * expected):
            r["status"] = "not added"
            continue
        if len(state.keys) + new > budget:
            r["status"] = "over budget"
            continue
        chosen.append(r["pass"])
        r["status"] = "added"
        state.keys = np.union1d(state.keys, keys)
        state.spec = _spec_of(
            {k: v for k, v in base.items() if not k.endswith("_reason")} | {"blocking": chosen}
        )
        if sum(x.get("status") == "added" for x in rows) % _REFIT_EVERY == 0:
            _fit(df, state)
        expected += g
    _fit(df, state)
    _calibrate_conflicts(df, state, base)
    return _finish(df, base, chosen, rows, prof, comps, state)


#: A conflict rule stays when it fires on at most this share of the confident matches.
_CONFLICT_TOLERANCE = 0.01
#: The model is refitted after this many added passes (and at the end).
_REFIT_EVERY = 3


def _calibrate_conflicts(df: pd.DataFrame, state: _State, base: dict[str, Any]) -> None:
    """Keep a conflict column or rule only where it rarely fires among confident matches (pairs
    the model accepts on the other evidence): a date or name that differs within true matches
    (typos, replaced values) is no proof of two people in that data."""
    from .cluster import records_conflict
    from .spec import ConflictRule

    n = state.n
    prob = _probability(df, state, state.keys)
    conf = state.keys[prob >= state.spec.upper_threshold]
    if len(conf) < 50:
        return
    i, j = conf // n, conf % n
    notes = []
    kept_cols = []
    for col in base["conflict_columns"]:
        rate = float(records_conflict(df, i, j, [col]).mean()) if col != "source" else 0.0
        if rate <= _CONFLICT_TOLERANCE:
            kept_cols.append(col)
        else:
            notes.append(f"{col}: differs in {_pct(rate)} of confident matches, not a conflict")
    # the name rule (Chinese names only) is kept: it exists to split the confident-looking pairs
    # of relatives sharing a phone and an address, so its firing there is no sign against it
    for rule in base["conflict_rules"]:
        rate = float(records_conflict(df, i, j, [ConflictRule.from_dict(rule, "plan")]).mean())
        notes.append(f"{rule['name']}: splits {_pct(rate)} of the pairs the model alone accepts")
    base["conflict_columns"] = kept_cols
    if notes:
        base["conflict_reason"] = "; ".join(notes)


def _finish(
    df: pd.DataFrame,
    base: dict[str, Any],
    chosen: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    prof: pd.DataFrame,
    comps: list[dict[str, Any]],
    state: _State | None,
) -> LinkagePlan:
    n = max(len(df), 1)
    link_reason = base.pop("link_reason", None)
    conflict_reason = base.pop("conflict_reason", None)
    for r in rows:
        p = r["pass"]
        r.setdefault("status", "not added")
        reason = f"{r['pairs']} pairs ({r['pairs'] / n:.2f} per record), {r['status']}"
        if "expected_matches" in r:
            reason += f", {r['expected_matches']} expected new matches"
        if r["oversized_records"]:
            reason += f"; {r['oversized_records']} records in blocks over the size cap skipped"
        if p in chosen:
            p["reason"] = reason
        r["reason"] = reason
    if not chosen:
        raise_msg = "no blocking pass fits the budget; raise linkage.planner.pairs_per_record"
        from ..errors import LinkageError

        raise LinkageError(raise_msg)
    section = {**{k: base[k] for k in DEFAULT_SPEC if k in base}, "blocking": chosen}
    section["comparisons"] = comps
    spec = _spec_of(section)
    recall = (
        _recall(df, spec, state, chosen, spec.upper_threshold)
        if state is not None
        else {"estimate": None, "text": "not estimated"}
    )
    if link_reason:
        recall["link_type"] = link_reason
    if conflict_reason:
        recall["conflicts"] = conflict_reason
    passes = pd.DataFrame(
        [
            {
                "name": r["pass"]["name"],
                "keys": " + ".join(r["pass"]["keys"]),
                "pairs": r["pairs"],
                "pairs_per_record": round(r["pairs"] / n, 3),
                "oversized_records": r["oversized_records"],
                "status": r["status"],
                "expected_matches": r.get("expected_matches"),
                "reason": r["reason"],
            }
            for r in rows
        ]
    )
    comparisons = pd.DataFrame(
        [
            {
                "name": c["name"],
                "columns": ", ".join(c["columns"]),
                "levels": ", ".join(lv["name"] for lv in c["levels"]),
                "reason": c.get("reason", ""),
            }
            for c in comps
        ]
    )
    return LinkagePlan(section, spec, passes, comparisons, prof, recall)
