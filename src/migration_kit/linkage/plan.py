"""The linkage planner: comparisons and blocking passes chosen from the client's own records.

Recipe (:func:`plan_linkage`):

1. **Sample**: a client over ``planner.sample_records`` records is planned on a uniform sample of
   them (expected matches per pair, what passes are chosen by, is the same in a uniform sample).
2. **Profile** the standardized records (:mod:`.profile`): fill, distinct values, script.
3. **Comparisons** from the library of field-type comparisons (:mod:`.library`), each chosen
   when its fields exist and carry information; conflict rules only where their fields exist.
4. **Candidate passes** from the fields present (:mod:`.candidates`), their pairs counted from
   key frequencies before anything is compared (scaled from the sample to all records).
5. **Selection** under the budget ``pairs_per_record x records``: a first model is fitted on the
   strict passes (the most selective of each field family, at most half a pair per record);
   then, lazily and greedily, the pass whose new pairs hold the most expected matches per pair
   (sum of match probabilities under the current model, a uniform sample of its new pairs
   scored) is added while it brings at least ``min_gain`` of the matches found so far, the model
   refitted every :data:`REFIT_EVERY` additions. The passes chosen are then counted exactly
   over all records.
6. **Link type**: with several sources and no confident duplicate inside any source, the sources
   are linked to each other only (``link_only``, at most one record per source per entity).
7. **Conflicts**: a date or ID conflict column stays unless pairs that are one person beyond
   doubt (same name, strong other evidence) often differ on it (:func:`_calibrate_conflicts`).
8. **Blocking recall** estimated by capture-recapture (Chapman) between two families of passes
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
>>> int(plan.passes.set_index("name").at["pinyin_key", "pairs"])
1
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..errors import LinkageError
from .blocking import block_codes, block_pairs
from .candidates import candidate_passes, count_pass_pairs, family_of
from .cluster import records_conflict
from .compare import column_data, compare_levels
from .defaults import DEFAULT_SPEC
from .engine import ComparisonVectors, TrainedModel
from .library import CONTACT_FIELDS, FAMILIES, choose_comparisons, pct
from .local import _score, fit_model, random_pair_levels
from .profile import profile_records
from .section import LinkageSection, PlannerSpec
from .spec import BlockingRule, ConflictRule, LinkageSpec

__all__ = ["Candidate", "LinkagePlan", "plan_linkage"]

#: Keys of the settings the planner does not choose (they come from DEFAULT_SPEC or overrides).
_PLANNED = (
    "blocking",
    "comparisons",
    "tf_adjust",
    "conflict_columns",
    "conflict_rules",
    "link_type",
)


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
    #: Blocking keys factorized over all records while planning, for the link's index stage
    #: (``LocalEngine(key_cache=...)``); transient, not part of the plan.
    key_cache: dict[Any, Any] | None = field(default=None, repr=False, compare=False)

    def to_yaml(self) -> str:
        """The ``linkage:`` section as YAML, headed by the recall estimate (comments)."""
        head = [
            "# linkage section chosen by the migration_kit planner from this client's records.",
            "# Paste it under 'linkage:' in the params file to freeze it (same entities).",
            f"# estimated blocking recall: {self.recall.get('text', 'n/a')}",
        ]
        body = yaml.safe_dump(
            {"linkage": self.section},
            allow_unicode=True,
            sort_keys=False,
            width=100,
            default_flow_style=None,  # a level or a key list on one line
        )
        return "\n".join(head) + "\n" + body


@dataclass
class Candidate:
    """A candidate blocking pass and what became of it.

    ``status``: ``strict`` (in the first model), ``added`` (by its gain), ``not added`` (gain
    too small), ``over budget``, ``no pairs``.
    """

    rule: dict[str, Any]
    pairs: int
    oversized_records: int = 0
    status: str = ""
    expected_matches: float | None = None
    keys: np.ndarray | None = None  # pair keys i * n + j of the planned records, once generated
    estimated: bool = False  # pairs scaled from the planned sample (cross passes)

    def reason(self, n: int) -> str:
        about = "about " if self.estimated else ""
        text = f"{about}{self.pairs} pairs ({self.pairs / max(n, 1):.2f} per record), {self.status}"
        if self.expected_matches is not None:
            text += f", {self.expected_matches:.1f} expected new matches"
        if self.oversized_records:
            text += f"; {self.oversized_records} records in blocks over the size cap skipped"
        return text


#: The first model is fitted on at most this many strict passes (one per field family).
STRICT_PASSES = 4
#: The model is refitted after this many added passes (and at the end).
REFIT_EVERY = 5
#: A conflict column stays when it fires on at most this share of the confident matches.
CONFLICT_TOLERANCE = 0.01


@dataclass
class _State:
    """The pairs chosen so far (sorted keys ``i * n + j``), their spec and the current model."""

    df: pd.DataFrame
    spec: LinkageSpec
    keys: np.ndarray
    cols: dict[str, Any]
    scale: float = 1.0  # pairs of all records per pair of the planned sample
    cache: dict[Any, Any] = field(default_factory=dict)  # factorized blocking keys
    trained: TrainedModel | None = None
    u0: dict[str, list[np.ndarray]] = field(default_factory=dict)
    # levels of every pair compared so far (sorted keys; the passes tried overlap a lot)
    level_comparisons: tuple[Any, ...] = ()
    level_keys: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    level_rows: np.ndarray = field(default_factory=lambda: np.empty((0, 0), np.int8))

    @property
    def n(self) -> int:
        return max(len(self.df), 1)

    def levels(self, keys: np.ndarray) -> np.ndarray:
        """Level matrix of the pairs ``keys`` (sorted, unique); each pair is compared once."""
        comparisons = tuple(self.spec.comparisons)
        if comparisons != self.level_comparisons:
            self.level_comparisons = comparisons
            self.level_keys = np.empty(0, np.int64)
            self.level_rows = np.empty((0, len(comparisons)), np.int8)
        out = np.empty((len(keys), len(comparisons)), np.int8)
        known = _within(self.level_keys, keys)
        if known.any():
            out[known] = self.level_rows[np.searchsorted(self.level_keys, keys[known])]
        new = keys[~known]
        if len(new):
            rows = compare_levels(
                self.df, new // self.n, new % self.n, self.spec.comparisons, self.cols
            )
            out[~known] = rows
            at = np.searchsorted(self.level_keys, new)
            self.level_keys = np.insert(self.level_keys, at, new)
            self.level_rows = np.insert(self.level_rows, at, rows, axis=0)
        return out

    def fit(self) -> None:
        levels = self.levels(self.keys)
        vectors = ComparisonVectors(levels, self.cols)
        link_type = self.spec.link_type
        if link_type not in self.u0:  # random pairs depend on the link type only
            self.u0[link_type] = random_pair_levels(self.df, self.spec, self.cols)
        self.trained = fit_model(self.df, self.spec, vectors, self.u0[link_type])

    def probability(self, keys: np.ndarray) -> np.ndarray:
        """Match probability of pairs under the current model (Good-Turing term frequencies;
        frequency-class odds need the whole pair set, they come with the final link)."""
        assert self.trained is not None
        i, j = keys // self.n, keys % self.n
        levels = self.levels(keys)
        quick = dataclasses.replace(self.spec, tf_classes=None)
        src = pd.factorize(self.df["source"])[0] if self.spec.link_type == "link_only" else None
        return _score(quick, self.trained.model, levels, self.cols, i, j, src)[2]

    def gain(self, keys: np.ndarray, limit: int, seed: int) -> tuple[float, float]:
        """Expected matches among the pairs of ``keys`` not chosen yet, and their number, both
        for all records (the planned sample's figures times :attr:`scale`)."""
        new = keys[~_within(self.keys, keys)]
        if not len(new):
            return 0.0, 0.0
        sample = new
        if len(new) > limit:
            sample = np.sort(np.random.default_rng(seed).choice(new, size=limit, replace=False))
        found = float(self.probability(sample).sum()) * len(new) / len(sample)
        return found * self.scale, len(new) * self.scale

    def expected(self) -> float:
        """Expected matches among the pairs chosen so far (for all records)."""
        return float(self.probability(self.keys).sum()) * self.scale

    def confident(self) -> np.ndarray:
        return self.keys[self.probability(self.keys) >= self.spec.upper_threshold]


def _within(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Which ``keys`` are in ``sorted_keys`` (sorted, unique): a binary search, no hashing."""
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[pos] == keys


def _sample(df: pd.DataFrame, size: int, seed: int) -> tuple[pd.DataFrame, float]:
    """A uniform sample of ``size`` records (in their order), and the sampling rate."""
    if len(df) <= size:
        return df, 1.0
    rows = np.sort(np.random.default_rng(seed).choice(len(df), size=size, replace=False))
    return df.iloc[rows].reset_index(drop=True), size / len(df)


def _pair_keys(
    df: pd.DataFrame,
    rules: Sequence[dict[str, Any]],
    spec: LinkageSpec,
    cache: dict[Any, Any] | None = None,
) -> np.ndarray:
    """Sorted unique pair keys ``i * n + j`` of the passes."""
    built = [BlockingRule.from_dict(r, "plan") for r in rules]
    pairs, _ = block_pairs(
        df, built, spec.max_block_size, spec.link_type, cache=cache, keep_cache=cache is not None
    )
    return pairs["i"].to_numpy(np.int64) * len(df) + pairs["j"].to_numpy(np.int64)


def _spec_of(settings: Mapping[str, Any], blocking: Sequence[dict[str, Any]]) -> LinkageSpec:
    return LinkageSpec.from_dict({**settings, "blocking": list(blocking)}, "linkage (planned)")


def plan_linkage(std: pd.DataFrame, section: LinkageSection | None = None) -> LinkagePlan:
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
    plain = isinstance(std.index, pd.RangeIndex) and std.index.start == 0 and std.index.step == 1
    full = std if plain else std.reset_index(drop=True)  # positions as row labels, no copy
    df, rate = _sample(full, planner.sample_records, int(section.overrides.get("seed", 42)))
    n_full = max(len(full), 1)
    prof = profile_records(df)
    comps, chosen_settings = choose_comparisons(prof, df, planner.min_fill)
    settings: dict[str, Any] = {k: v for k, v in DEFAULT_SPEC.items() if k not in _PLANNED}
    settings.update(chosen_settings, link_type="dedupe_and_link", comparisons=comps)
    settings.update(section.overrides)
    notes: dict[str, str] = {}
    if rate < 1:
        notes["sample"] = (
            f"planned on a uniform sample of {len(df)} of {len(full)} records; "
            "its pair counts scaled to all records for the budget; the passes chosen counted "
            "exactly over all records"
        )
    cache: dict[Any, Any] = {}  # keys factorized over the planned records
    cands = _count(full, df, candidate_passes(prof, planner.min_fill), settings, cache)
    budget = planner.pairs_per_record * n_full
    chosen = _strict(cands, n_full, budget)
    if not comps or not any(c.pairs for c in cands):
        raise LinkageError(
            "no field tells these records apart (none is filled on "
            f"{pct(planner.min_fill)} of the records with two or more values, or no two records "
            "share a value); map the sources' name, phone, e-mail, ID or address columns, or "
            "declare linkage.blocking and linkage.comparisons"
        )
    if not chosen:
        raise LinkageError(
            "no blocking pass fits the budget of "
            f"{planner.pairs_per_record} pairs per record; raise "
            "linkage.planner.pairs_per_record"
        )
    spec = _spec_of(settings, chosen)
    state = _State(
        df, spec, _pair_keys(df, chosen, spec), column_data(df, spec.comparisons), scale=1 / rate**2
    )
    state.fit()
    if "link_type" not in section.overrides:
        _link_type(state, settings, chosen, notes)
    _select(state, cands, chosen, settings, planner, budget)
    full_cache: dict[Any, Any] = {**cache, **state.cache} if rate == 1 else {}
    _exact_counts(full, cands, settings, full_cache)
    state.fit()
    if "conflict_columns" not in section.overrides:
        _calibrate_conflicts(state, settings, notes)
    plan = _finish(state, settings, chosen, cands, prof, comps, notes, n_full)
    return dataclasses.replace(plan, key_cache=full_cache)


def _count(
    full: pd.DataFrame,
    sample: pd.DataFrame,
    rules: list[dict[str, Any]],
    settings: dict[str, Any],
    cache: dict[Any, Any],
) -> list[Candidate]:
    """Pair count of every candidate from key frequencies: exact over all records, or, when the
    plan is made on a sample, over the sample and scaled to all records (the passes chosen are
    counted exactly over all records at the end, :func:`_exact_counts`). A cross pass (its keys
    equal the other record's other keys) is generated on the planned records."""
    cap = int(settings["max_block_size"])
    scale = (len(full) / max(len(sample), 1)) ** 2
    out = []
    for rule in rules:
        if rule.get("cross_keys"):
            keys = _pair_keys(sample, [rule], _spec_of(settings, [rule]))
            out.append(Candidate(rule, round(len(keys) * scale), keys=keys, estimated=scale > 1))
        else:
            pairs, over = count_pass_pairs(
                sample, rule["keys"], rule.get("max_block_size", cap), settings["link_type"], cache
            )
            grow = len(full) / max(len(sample), 1)
            out.append(
                Candidate(rule, round(pairs * scale), round(over * grow), estimated=scale > 1)
            )
    return out


def _exact_counts(
    full: pd.DataFrame, cands: list[Candidate], settings: dict[str, Any], cache: dict[Any, Any]
) -> None:
    """Count the chosen passes' pairs exactly over all records (after a sampled plan)."""
    cap = int(settings["max_block_size"])
    for c in cands:
        if c.estimated and c.status in ("strict", "added") and not c.rule.get("cross_keys"):
            c.pairs, c.oversized_records = count_pass_pairs(
                full,
                c.rule["keys"],
                c.rule.get("max_block_size", cap),
                settings["link_type"],
                cache,
            )
            c.estimated = False


def _strict(cands: list[Candidate], n: int, budget: float) -> list[dict[str, Any]]:
    """The most selective pass of each field family, each at most half a pair per record,
    together at most half the budget."""
    usable = sorted((c for c in cands if 0 < c.pairs <= budget), key=lambda c: c.pairs)
    strict = [c for c in usable if c.pairs <= 0.5 * n] or usable[:1]
    chosen: list[dict[str, Any]] = []
    families: set[str] = set()
    total = 0
    for c in strict:
        fam = family_of(c.rule["keys"][0])
        if fam in families or len(chosen) >= STRICT_PASSES or total + c.pairs > budget / 2:
            continue
        if any(set(r["keys"]) <= set(c.rule["keys"]) for r in chosen):
            continue  # its pairs are a subset of a chosen pass's
        chosen.append(c.rule)
        families.add(fam)
        c.status, total = "strict", total + c.pairs
    return chosen


def _link_type(
    state: _State, settings: dict[str, Any], chosen: list[dict[str, Any]], notes: dict[str, str]
) -> None:
    """Several sources and no confident duplicate inside any: link across sources only."""
    df, n = state.df, state.n
    if df["source"].nunique() < 2:
        return
    conf = state.confident()
    src = pd.factorize(df["source"])[0]
    within = int((src[conf // n] == src[conf % n]).sum())
    if len(conf) < 50 or within > 0.001 * len(conf):
        return
    settings["link_type"] = "link_only"
    settings["conflict_columns"] = [*settings["conflict_columns"], "source"]
    notes["link_type"] = (
        f"{len(conf)} confident matches in the first model, {within} inside "
        "one source: each source is free of duplicates, so records are linked "
        "across sources only (at most one record per source per customer)"
    )
    state.spec = _spec_of(settings, chosen)
    state.keys = state.keys[src[state.keys // n] != src[state.keys % n]]
    state.fit()


def _select(
    state: _State,
    cands: list[Candidate],
    chosen: list[dict[str, Any]],
    settings: dict[str, Any],
    planner: PlannerSpec,
    budget: float,
) -> None:
    """Lazy greedy: add the pass with the most expected new matches per new pair while it
    brings at least ``min_gain`` of the matches found so far and the budget holds."""
    df, seed = state.df, int(settings["seed"])
    expected = state.expected()
    queue: list[tuple[float, int]] = []
    for idx, c in enumerate(cands):
        if c.status:
            continue
        if not 0 < c.pairs <= budget:
            c.status = "over budget" if c.pairs > budget else "no pairs"
            continue
        if c.keys is None or c.rule.get("cross_keys"):  # link_only may have come since
            c.keys = _pair_keys(df, [c.rule], state.spec, state.cache)
        g, new = state.gain(c.keys, planner.evaluation_pairs, seed)
        queue.append((g / max(new, 1), idx))
    added = 0
    while queue and len(chosen) < planner.max_passes:
        queue.sort(reverse=True)
        _, idx = queue.pop(0)
        c = cands[idx]
        assert c.keys is not None
        g, new = state.gain(c.keys, planner.evaluation_pairs, seed)  # against today's choice
        if queue and new and g / new < queue[0][0]:  # no longer the best: back in line
            queue.append((g / new, idx))
            continue
        c.expected_matches = g
        if g < max(1.0, planner.min_gain * expected):
            c.status = "not added"
            continue
        if len(state.keys) * state.scale + new > budget:
            c.status = "over budget"
            continue
        chosen.append(c.rule)
        c.status, added, expected = "added", added + 1, expected + g
        extra = c.keys[~_within(state.keys, c.keys)]
        state.keys = np.insert(state.keys, np.searchsorted(state.keys, extra), extra)
        state.spec = _spec_of(settings, chosen)
        if added % REFIT_EVERY == 0:
            state.fit()
    for _, idx in queue:
        cands[idx].status = cands[idx].status or "not added"


def _calibrate_conflicts(state: _State, settings: dict[str, Any], notes: dict[str, str]) -> None:
    """Keep a conflict column unless it often fires among pairs that are the same person beyond
    doubt: confident matches with the same full name whose other evidence alone (all
    comparisons but the names and the column's own) is worth at least :data:`OTHER_BITS`. Where
    such pairs' dates (or IDs) differ, those values carry typos or replacements in this data,
    and a difference is no proof of two people. Namesakes (a name and a town in common) and
    relatives (other given names) are not in that set, which is why the set is used. The
    Chinese name rule stays: it exists to split relatives' confident-looking pairs."""
    conf = state.confident()
    if not len(conf) or not settings["conflict_columns"] or state.trained is None:
        return
    df, n, spec = state.df, state.n, state.spec
    i, j = conf // n, conf % n
    levels = compare_levels(df, i, j, spec.comparisons, state.cols)
    names = {k for k, c in enumerate(spec.comparisons) if c.name in _NAME_COMPARISONS}
    same = (
        np.all([levels[:, k] == len(spec.comparisons[k].levels) for k in names], axis=0)
        if names
        else np.ones(len(conf), dtype=bool)
    )
    weights = state.trained.model.weights
    kept, said = [], []
    for col in settings["conflict_columns"]:
        own = {k for k, c in enumerate(spec.comparisons) if col in c.columns}
        other = np.zeros(len(conf))
        for k, wts in enumerate(weights):
            if k not in names | own:
                code = levels[:, k].astype(np.int64)
                other += np.where(code >= 0, np.append(wts, 0.0)[code], 0.0)
        sure = same & (other >= OTHER_BITS)
        if col == "source" or sure.sum() < 30:
            kept.append(col)
            continue
        rate = float(records_conflict(df, i[sure], j[sure], [col]).mean())
        if rate <= CONFLICT_TOLERANCE:
            kept.append(col)
        else:
            said.append(
                f"{col} differs in {pct(rate)} of the {int(sure.sum())} pairs that are one "
                "person beyond doubt (same name, other evidence alone >= "
                f"{OTHER_BITS} bits): not a conflict"
            )
    for rule in settings["conflict_rules"]:
        built = ConflictRule.from_dict(rule, "plan")
        rate = float(records_conflict(df, i, j, [built]).mean())
        said.append(f"{rule['name']} splits {pct(rate)} of the pairs the model alone accepts")
    settings["conflict_columns"] = kept
    if said:
        notes["conflicts"] = "; ".join(said)


#: Other evidence (bits) that makes a same-name pair one person beyond doubt.
OTHER_BITS = 10.0


#: Name comparisons of the library (exact agreement on all of them: the same full name).
_NAME_COMPARISONS = ("name", "given_name", "family_name", "full_name")


def _recall(state: _State, chosen: list[dict[str, Any]]) -> dict[str, Any]:
    """Chapman capture-recapture between two families of the chosen passes."""
    plain = [r for r in chosen if not r.get("cross_keys") and not r.get("window")]
    contact = [r for r in plain if any(k.split(":")[0] in CONTACT_FIELDS for k in r["keys"])]
    named = [r for r in plain if any(k.split(":")[0] in FAMILIES["name"] for k in r["keys"])]
    if contact and len(contact) < len(plain):
        fam_a, label = contact, "passes on a phone, e-mail or ID number"
    elif named and len(named) < len(plain):
        fam_a, label = named, "passes on a name"
    else:
        return {"estimate": None, "text": "not estimable (every pass rests on the same fields)"}
    fam_b = [r for r in plain if r not in fam_a]
    conf = state.confident()
    if not len(conf):
        return {"estimate": None, "text": "not estimable (no confident match)"}
    i, j = conf // state.n, conf % state.n

    def covered(rules: list[dict[str, Any]]) -> np.ndarray:
        hit = np.zeros(len(conf), dtype=bool)
        for r in rules:
            codes = block_codes(state.df, r["keys"], state.cache)
            hit |= (codes[i] >= 0) & (codes[i] == codes[j])
        return hit

    a, b = covered(fam_a), covered(fam_b)
    na, nb, nab = int(a.sum()), int(b.sum()), int((a & b).sum())
    total = (na + 1) * (nb + 1) / (nab + 1) - 1
    found = int((a | b).sum())
    est = min(1.0, found / total) if total > 0 else None
    if est is None:
        return {"estimate": None, "text": "not estimable"}
    text = (
        f"{est:.3f} (Chapman capture-recapture over {found} confident matches: {label} "
        f"caught {na}, the other passes {nb}, both {nab})"
    )
    return {
        "estimate": est,
        "method": "chapman",
        "confident_matches": found,
        "family_a": label,
        "caught_a": na,
        "caught_b": nb,
        "caught_both": nab,
        "text": text,
    }


def _finish(
    state: _State,
    settings: dict[str, Any],
    chosen: list[dict[str, Any]],
    cands: list[Candidate],
    prof: pd.DataFrame,
    comps: list[dict[str, Any]],
    notes: dict[str, str],
    n: int,
) -> LinkagePlan:
    for c in cands:
        c.status = c.status or "not added"
        if c.rule in chosen:
            c.rule["reason"] = c.reason(n)
    section = {"blocking": chosen, "comparisons": comps}
    section.update({k: settings[k] for k in DEFAULT_SPEC if k in settings and k not in section})
    spec = LinkageSpec.from_dict(section, "linkage (planned)")
    state.spec = spec
    recall = {**_recall(state, chosen), **notes}
    passes = pd.DataFrame(
        [
            {
                "name": c.rule["name"],
                "keys": " + ".join(c.rule["keys"]),
                "pairs": c.pairs,
                "pairs_per_record": round(c.pairs / n, 3),
                "oversized_records": c.oversized_records,
                "status": c.status,
                "expected_matches": None
                if c.expected_matches is None
                else round(c.expected_matches, 1),
                "reason": c.reason(n),
            }
            for c in cands
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
