"""The ``linkage:`` params section as self-validating dataclasses.

Blocking passes, comparisons (with their levels), thresholds and EM settings are data, so the
same mechanisms (vectorized blocking, EM, term frequencies, conflict-aware clustering) serve the
reference client and any other dataset (the FEBRL benchmarks declare their own spec).

Level codes: a comparison with ``k`` declared levels (best first) gives code ``k`` to the first
declared level, ``1`` to the last, ``0`` to "else" and ``-1`` to null.

Example
-------
>>> spec = LinkageSpec.from_dict({"upper_threshold": 0.9})
>>> spec.upper_threshold, spec.blocking[0].name
(0.9, 'phone')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._spec import check_choice, check_keys, check_type, require
from .defaults import DEFAULT_SPEC
from .levels import CONFLICT_TESTS, LEVEL_TESTS, SECOND_COLUMNS

__all__ = [
    "DEFAULT_SPEC",
    "KEY_TRANSFORM_RE",
    "BlockingRule",
    "Comparison",
    "ConflictRule",
    "Level",
    "LinkageSpec",
]

#: Derived blocking keys: ``column:transform`` (year, lower, first<N>, last<N>; local_letters: the
#: a-z letters of an email's local part, >= 4 of them; concat / rconcat: a name's >= 2 tokens
#: joined in their order / reversed, e.g. "liu zhiying" -> "liuzhiying" / "zhiyingliu").
KEY_TRANSFORM_RE = re.compile(
    r"^(?P<col>\w+)(?::(?P<tf>year|lower|first\d+|last\d+|local_letters|concat|rconcat))?$"
)
_KEY_HELP = (
    "expected a std column or 'column:transform' with transform year, lower, first<N>, last<N>, "
    "local_letters, concat or rconcat (e.g. 'phone:last4')"
)


def _who(names: list[str], verb: str, noun: str = "test") -> str:
    """``test 'a' needs`` or ``tests ['a', 'b'] need`` (``verb`` in the plural); with ``noun``
    empty, ``'a' takes`` or ``'a' or 'b' take``."""
    if len(names) == 1:
        return f"{noun} {names[0]!r} {verb}s".lstrip()
    if noun:
        return f"{noun}s {names} {verb}"
    return f"{' or '.join(map(repr, names))} {verb}"


@dataclass(frozen=True)
class BlockingRule:
    """One blocking pass: records sharing all ``keys`` (none null) become candidate pairs.

    With ``cross_keys`` (a list of alternative key lists, each as long as ``keys``) the pass is
    cross-column: record ``a`` and record ``b`` are a pair when ``a``'s ``keys`` equal one of
    ``b``'s alternatives, e.g. an email local part that spells the other record's full name::

        keys: [email:local_letters, city]
        cross_keys: [[pinyin_key:concat, city], [pinyin_key:rconcat, city]]

    With ``window`` (sorted neighbourhood) records are sorted on their ``keys`` joined as text
    (nulls left out) and each is paired with the next ``window - 1`` records in that order, so
    near-equal keys with a typo late in the string ("melrose drive" / "melrose rdive") meet
    without an exact match; ``max_block_size`` does not apply (a window bounds the pairs).

    Parameters
    ----------
    name : str
        The pass's name (in reports).
    keys : list of str
        Std columns or ``column:transform`` keys (year, lower, first<N>, last<N>, local_letters,
        concat, rconcat) all records of a pair share.
    cross_keys : list of pairs, optional
        Keys read from different columns on the two sides (given and family name swapped).
    max_block_size : int, optional
        Largest block this pass may form (default the section's).
    window : int, optional
        Sorted neighbourhood: pair each record with the next window-1 in key order (2 to 50).
    reason : str, optional
        Why the pass is there (the planner writes its pair count and coverage).

    Example
    -------
    >>> BlockingRule.from_dict({"name": "sn", "keys": ["address"], "window": 4}, "b").window
    4
    >>> BlockingRule.from_dict({"name": "en", "keys": ["email:local_letters"],
    ...                         "cross_keys": [["pinyin_key:concat"]]}, "b").cross_keys
    (('pinyin_key:concat',),)
    """

    name: str
    keys: tuple[str, ...]
    max_block_size: int | None = None
    cross_keys: tuple[tuple[str, ...], ...] = ()
    window: int | None = None
    reason: str = ""  # why the pass is there (the planner writes its figures here)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> BlockingRule:
        check_keys(
            data,
            {"name", "keys", "max_block_size", "cross_keys", "window", "reason"},
            where,
            required=("name", "keys"),
        )
        keys = _key_list(data["keys"], f"{where}.keys")
        win = data.get("window")
        if win is not None:
            check_type(win, int, f"{where}.window")
            require(
                2 <= win <= 50,
                f"{where}.window",
                f"received {win}; a sorted-neighbourhood window "
                "pairs each record with the next window-1 in key order, give 2 to 50",
            )
            require(
                not data.get("cross_keys"),
                f"{where}.window",
                "received both 'window' and "
                "'cross_keys'; a sorted-neighbourhood pass sorts one key list, drop one of them",
            )
        mbs = data.get("max_block_size")
        if mbs is not None:
            check_type(mbs, int, f"{where}.max_block_size")
            require(mbs >= 2, f"{where}.max_block_size", f"received {mbs}; must be >= 2")
        cross = []
        for n, alt in enumerate(
            check_type(data.get("cross_keys", []), (list, tuple), f"{where}.cross_keys")
        ):
            alt = _key_list(alt, f"{where}.cross_keys[{n}]")
            require(
                len(alt) == len(keys),
                f"{where}.cross_keys[{n}]",
                f"received {len(alt)} keys for {len(keys)} in 'keys'; each alternative pairs "
                "with 'keys' position by position, give the same number",
            )
            cross.append(alt)
        reason = str(check_type(data.get("reason", ""), str, f"{where}.reason"))
        return cls(
            str(check_type(data["name"], str, f"{where}.name")),
            keys,
            mbs,
            tuple(cross),
            win,
            reason,
        )


def _key_column(key: str) -> str:
    """The std column of a (validated) blocking key ``column[:transform]``."""
    m = KEY_TRANSFORM_RE.match(key)
    return m["col"] if m else key


def _key_list(keys: Any, where: str) -> tuple[str, ...]:
    keys = [keys] if isinstance(keys, str) else list(check_type(keys, (list, tuple), where))
    require(len(keys) > 0, where, "received an empty list; give at least one column")
    for n, k in enumerate(keys):
        require(
            isinstance(k, str) and KEY_TRANSFORM_RE.match(k) is not None,
            f"{where}[{n}]",
            f"received {k!r}; {_KEY_HELP}",
        )
    return tuple(keys)


@dataclass(frozen=True)
class Level:
    """One comparison level: a test on a column (defaults to the comparison's first column).

    ``missing`` (test ``partial`` only) names the column that must be null on at least one side,
    e.g. family name equal and given name missing (a contact recorded as 危老师).
    ``other`` (cross tests :data:`~migration_kit.linkage.levels.CROSS_TESTS` only) names the
    column read on the other record, e.g. ``{test: email_name, column: email, other: pinyin_key}``.
    The test is an entry of :data:`~migration_kit.linkage.levels.LEVEL_TESTS`, whose parameters
    and needs say which of ``threshold``, ``missing`` and ``other`` it requires.
    ``needs`` lists columns that must be known on both records for the level to apply: an exact
    name needs the given name (two contacts recorded as 阎老师 share a family name, not a full
    name).
    ``neutral: true`` makes the level carry no evidence (weight 0, null during EM) while still
    being recorded: a landline against a mobile says which source a record came from, not who it is.

    Parameters
    ----------
    name : str
        The level's name (in reports).
    test : str
        A level test (see the registry table below).
    column : str, optional
        The column tested (default the comparison's first).
    threshold : float, optional
        The similarity a fuzzy test needs.
    missing : str, optional
        Test ``partial``: the column that must be null on one side.
    other : str, optional
        Cross tests: the column read on the other record.
    neutral : bool, optional
        Record the level but give it no weight.
    needs : list of str, optional
        Columns that must be known on both records for the level to apply.
    """

    name: str
    test: str
    column: str | None = None
    threshold: float | None = None
    missing: str | None = None
    other: str | None = None
    neutral: bool = False
    needs: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> Level:
        check_keys(
            data,
            {"name", "test", "column", "threshold", "missing", "other", "neutral", "needs"},
            where,
            required=("name", "test"),
        )
        entry = LEVEL_TESTS.get(data["test"], f"{where}.test")
        test = entry.name
        second: dict[str, str | None] = {}
        for key in ("other", "missing"):  # the second columns (levels.SECOND_COLUMNS)
            value = data.get(key)
            takers = [n for n in LEVEL_TESTS if key in LEVEL_TESTS[n].needs]
            require(
                (value is not None) == (key in entry.needs),
                f"{where}.{key}",
                f"received {key}={value!r} with test {test!r}; {_who(takers, 'need')} "
                f"'{key}: <column>' ({SECOND_COLUMNS[key]}) and no other test takes it",
            )
            if value is not None:
                check_type(value, str, f"{where}.{key}")
            second[key] = value
        other, miss = second["other"], second["missing"]
        thr = data.get("threshold")
        require(
            "threshold" not in entry.required or thr is not None,
            f"{where}.threshold",
            f"test {test!r} needs a numeric threshold; add e.g. 'threshold: 0.9'",
        )
        if thr is not None:
            check_type(thr, (int, float), f"{where}.threshold")
        col = data.get("column")
        if col is not None:
            check_type(col, str, f"{where}.column")
        neutral = bool(check_type(data.get("neutral", False), bool, f"{where}.neutral"))
        needs = data.get("needs", [])
        needs = (
            (needs,)
            if isinstance(needs, str)
            else tuple(check_type(needs, (list, tuple), f"{where}.needs"))
        )
        for n, c in enumerate(needs):
            check_type(c, str, f"{where}.needs[{n}]")
        return cls(
            str(data["name"]),
            test,
            col,
            None if thr is None else float(thr),
            miss,
            other,
            neutral,
            needs,
        )


@dataclass(frozen=True)
class Comparison:
    """A multi-level comparison. Null (-1) when every column is null on one side or the other.

    Parameters
    ----------
    name : str
        The comparison's name (in reports and the review app).
    columns : list of str
        The std columns it reads (the first is the levels' default).
    levels : list of mappings
        Levels from most to least alike; a pair takes the first that applies (see ``levels[]``).
    reason : str, optional
        Why it is there (the planner writes the field's fill and distinct values).
    """

    name: str
    columns: tuple[str, ...]
    levels: tuple[Level, ...]
    reason: str = ""  # why the comparison is there (the planner writes its figures here)

    @property
    def n_levels(self) -> int:
        """Number of non-null level codes (declared levels + 'else')."""
        return len(self.levels) + 1

    @property
    def level_names(self) -> list[str]:
        """Names indexed by level code (0 = 'else', k = first declared)."""
        return ["else"] + [lv.name for lv in reversed(self.levels)]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> Comparison:
        check_keys(
            data,
            {"name", "columns", "levels", "reason"},
            where,
            required=("name", "columns", "levels"),
        )
        cols = data["columns"]
        cols = (
            [cols]
            if isinstance(cols, str)
            else list(check_type(cols, (list, tuple), f"{where}.columns"))
        )
        require(
            len(cols) > 0, f"{where}.columns", "received an empty list; give at least one column"
        )
        lv = check_type(data["levels"], (list, tuple), f"{where}.levels")
        require(0 < len(lv) <= 100, f"{where}.levels", f"received {len(lv)} levels; give 1 to 100")
        levels = tuple(Level.from_dict(x, f"{where}.levels[{n}]") for n, x in enumerate(lv))
        reason = str(check_type(data.get("reason", ""), str, f"{where}.reason"))
        return cls(str(data["name"]), tuple(cols), levels, reason)


@dataclass(frozen=True)
class ConflictRule:
    """Two records that fail this test are different people: clustering never joins them.

    ``tokens_differ`` splits the column (e.g. the order-insensitive ``pinyin_key``) into tokens,
    needs at least ``min_tokens`` on both sides (a full name, not 危老师 -> "wei"), drops the
    tokens both share (the family name of a parent and a child) and calls the rests different
    when they are not "close" as a whole (either token order) and some token on each side has
    no close token on the other. Close: OSA similarity >= ``threshold`` or at most ``max_edits``
    edits (one typo or transposition is tolerated, as for dates): gao ruitao / gao xuexiang
    conflict; jing liu / liu jing, penglei / peng lei, penglei / penlei, mason / masno do not.
    Data whose names are corrupted by replacement (FEBRL) should not declare this rule.
    ``unless`` lists columns whose equality (both known) switches the rule off (a shared
    resident ID outweighs a differently recorded name). The test is an entry of
    :data:`~migration_kit.linkage.levels.CONFLICT_TESTS`.

    Parameters
    ----------
    name : str
        The rule's name (in reports).
    column : str
        The column it tests.
    test : str
        A conflict test (see the registry table below).
    threshold : float, optional
        Similarity at or above which two values are close.
    min_tokens : int, optional
        Tokens each side needs before the rule applies (default 2).
    max_edits : int, optional
        Edits at most for two tokens to be close (default 1).
    unless : list of str, optional
        Columns whose equality switches the rule off.

    Example
    -------
    >>> ConflictRule.from_dict({"name": "names", "column": "pinyin_key", "test": "tokens_differ",
    ...                         "threshold": 0.5}, "r").min_tokens
    2
    """

    name: str
    column: str
    test: str
    threshold: float | None = None
    min_tokens: int = 2
    unless: tuple[str, ...] = ()
    max_edits: int = 1

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> ConflictRule:
        check_keys(
            data,
            {"name", "column", "test", "threshold", "min_tokens", "unless", "max_edits"},
            where,
            required=("name", "column", "test"),
        )
        test = CONFLICT_TESTS.get(data["test"], f"{where}.test").name
        thr = data.get("threshold")
        takers = [n for n in CONFLICT_TESTS if "threshold" in CONFLICT_TESTS[n].params]
        require(
            (thr is not None) == (test in takers),
            f"{where}.threshold",
            f"received threshold={thr!r} with test {test!r}; only {_who(takers, 'take', '')} a "
            "threshold (a similarity in (0, 1], e.g. 0.5) and it needs one",
        )
        if thr is not None:
            check_type(thr, (int, float), f"{where}.threshold")
            require(
                0 < thr <= 1,
                f"{where}.threshold",
                f"received {thr}; give a similarity in (0, 1], e.g. 0.5",
            )
        mt = data.get("min_tokens", 2)
        check_type(mt, int, f"{where}.min_tokens")
        require(mt >= 1, f"{where}.min_tokens", f"received {mt}; must be >= 1")
        me = data.get("max_edits", 1)
        check_type(me, int, f"{where}.max_edits")
        require(
            me >= 0, f"{where}.max_edits", f"received {me}; must be >= 0 (0: no typo tolerated)"
        )
        unless = data.get("unless", [])
        unless = (
            [unless]
            if isinstance(unless, str)
            else list(check_type(unless, (list, tuple), f"{where}.unless"))
        )
        for n, u in enumerate(unless):
            check_type(u, str, f"{where}.unless[{n}]")
        return cls(
            str(check_type(data["name"], str, f"{where}.name")),
            str(check_type(data["column"], str, f"{where}.column")),
            test,
            None if thr is None else float(thr),
            mt,
            tuple(unless),
            me,
        )


_LINK_TYPES = ("dedupe_and_link", "link_only")
_CONFLICTS = ("id_number", "birth_date", "gender", "email", "phone", "source")


@dataclass(frozen=True)
class LinkageSpec:
    """The ``linkage:`` section. See :data:`DEFAULT_SPEC` for every key and its default.

    Parameters
    ----------
    blocking : list of mappings
        Blocking passes: records sharing a pass's keys become candidate pairs (see
        ``linkage.blocking[]``).
    comparisons : list of mappings
        Comparisons, each a list of levels from most to least alike (see ``linkage.comparisons[]``).
    upper_threshold : float
        Match probability at or above which a pair is joined (default 0.95).
    lower_threshold : float
        Match probability below which a pair is kept apart (default 0.5); pairs between the two go
        to clerical review.
    max_block_size : int
        Default largest block a pass may form (a larger block is skipped and reported).
    em_max_iter : int
        Iterations of EM (m and u probabilities) at most.
    tf_adjust : list of str
        Comparisons whose exact level is weighted by how common the value is (term frequency).
    link_type : str
        ``dedupe_and_link`` (within and across sources) or ``link_only`` (across sources only).
    conflict_columns : list of str
        Columns whose known, different values keep two records apart.
    conflict_rules : list of mappings
        Rules that keep two records apart (see ``linkage.conflict_rules[]``).
    u_sample_size : int
        Random pairs sampled to estimate u probabilities.
    u_source : str
        ``random`` pairs or ``candidates`` for u estimation.
    seed : int
        Seed of every random choice (reruns give the same entities).
    m_floor : float
        Smallest m probability EM may give a level.
    pseudo_count : float
        Pseudo count added to every level in EM (smoothing).
    tf_smoothing : bool
        Smooth term frequencies towards the level's average.
    tf_classes : mapping, optional
        Group rare values into frequency classes (``max_count``, ``min_values``, ``iterations``).
    """

    blocking: tuple[BlockingRule, ...]
    comparisons: tuple[Comparison, ...]
    upper_threshold: float = 0.95
    lower_threshold: float = 0.5
    max_block_size: int = 200
    em_max_iter: int = 50
    tf_adjust: tuple[str, ...] = ()
    link_type: str = "dedupe_and_link"
    conflict_columns: tuple[str, ...] = ("id_number", "birth_date")
    u_sample_size: int = 200000
    seed: int = 42
    u_source: str = "random"
    m_floor: float = 0.001
    pseudo_count: float = 1.0
    tf_smoothing: bool = True
    conflict_rules: tuple[ConflictRule, ...] = ()
    tf_classes: dict[str, int] | None = None

    @property
    def conflicts(self) -> tuple[str | ConflictRule, ...]:
        """What keeps two records apart in clustering: the conflict columns, then the rules."""
        return (*self.conflict_columns, *self.conflict_rules)

    @classmethod
    def default(cls) -> LinkageSpec:
        """The reference client's spec (:data:`DEFAULT_SPEC`)."""
        return cls.from_dict({})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, where: str = "linkage") -> LinkageSpec:
        """Build from a dict; missing keys take :data:`DEFAULT_SPEC` values."""
        data = {} if data is None else data
        check_keys(data, DEFAULT_SPEC.keys(), where)
        d = {**DEFAULT_SPEC, **data}
        rules = tuple(
            BlockingRule.from_dict(r, f"{where}.blocking[{n}]")
            for n, r in enumerate(check_type(d["blocking"], (list, tuple), f"{where}.blocking"))
        )
        comps = tuple(
            Comparison.from_dict(c, f"{where}.comparisons[{n}]")
            for n, c in enumerate(
                check_type(d["comparisons"], (list, tuple), f"{where}.comparisons")
            )
        )
        require(
            len(rules) > 0, f"{where}.blocking", "received no rule; give at least one blocking rule"
        )
        require(len(comps) > 0, f"{where}.comparisons", "received no comparison; give at least one")
        for label, items in (("blocking", rules), ("comparisons", comps)):
            names = [x.name for x in items]
            dup = sorted({x for x in names if names.count(x) > 1})
            require(not dup, f"{where}.{label}", f"duplicate names {dup}; names must be unique")
        up = float(check_type(d["upper_threshold"], (int, float), f"{where}.upper_threshold"))
        lo = float(check_type(d["lower_threshold"], (int, float), f"{where}.lower_threshold"))
        require(
            0 < lo <= up < 1,
            f"{where}.upper_threshold",
            f"received lower={lo}, upper={up}; need 0 < lower_threshold <= upper_threshold < 1",
        )
        for key in ("max_block_size", "em_max_iter", "u_sample_size", "seed"):
            check_type(d[key], int, f"{where}.{key}")
        require(
            d["max_block_size"] >= 2,
            f"{where}.max_block_size",
            f"received {d['max_block_size']}; must be >= 2",
        )
        require(
            d["em_max_iter"] >= 1,
            f"{where}.em_max_iter",
            f"received {d['em_max_iter']}; must be >= 1",
        )
        require(
            d["u_sample_size"] >= 100,
            f"{where}.u_sample_size",
            f"received {d['u_sample_size']}; must be >= 100",
        )
        tf = tuple(check_type(d["tf_adjust"], (list, tuple), f"{where}.tf_adjust"))
        level_cols = {
            lv.column or c.columns[0] for c in comps for lv in c.levels if lv.test == "exact"
        }
        for n, col in enumerate(tf):
            check_choice(col, sorted(level_cols), f"{where}.tf_adjust[{n}]")
        m_floor = float(check_type(d["m_floor"], (int, float), f"{where}.m_floor"))
        require(
            0 <= m_floor < 0.1,
            f"{where}.m_floor",
            f"received {m_floor}; give 0 (no floor) up to 0.1, e.g. 0.001",
        )
        pseudo = float(check_type(d["pseudo_count"], (int, float), f"{where}.pseudo_count"))
        require(pseudo >= 0, f"{where}.pseudo_count", f"received {pseudo}; must be >= 0")
        check_type(d["tf_smoothing"], bool, f"{where}.tf_smoothing")
        tfc = d["tf_classes"]
        if tfc is not None:
            check_keys(
                check_type(tfc, dict, f"{where}.tf_classes"),
                {"max_count", "min_values", "iterations"},
                f"{where}.tf_classes",
                required=("max_count", "min_values", "iterations"),
            )
            for key, low in (("max_count", 2), ("min_values", 1), ("iterations", 1)):
                check_type(tfc[key], int, f"{where}.tf_classes.{key}")
                require(
                    tfc[key] >= low,
                    f"{where}.tf_classes.{key}",
                    f"received {tfc[key]}; must be >= {low}",
                )
            tfc = dict(tfc)
        conf = tuple(check_type(d["conflict_columns"], (list, tuple), f"{where}.conflict_columns"))
        for n, col in enumerate(conf):
            check_choice(col, _CONFLICTS, f"{where}.conflict_columns[{n}]")
        crules = tuple(
            ConflictRule.from_dict(r, f"{where}.conflict_rules[{n}]")
            for n, r in enumerate(
                check_type(d["conflict_rules"], (list, tuple), f"{where}.conflict_rules")
            )
        )
        return cls(
            rules,
            comps,
            up,
            lo,
            d["max_block_size"],
            d["em_max_iter"],
            tf,
            check_choice(d["link_type"], _LINK_TYPES, f"{where}.link_type"),
            conf,
            d["u_sample_size"],
            d["seed"],
            check_choice(d["u_source"], ("random", "em"), f"{where}.u_source"),
            m_floor,
            pseudo,
            bool(d["tf_smoothing"]),
            crules,
            tfc,
        )

    def used_columns(self) -> list[str]:
        """Std columns linkage reads (blocking keys, comparisons, conflicts, ``source``,
        ``record_id``).

        Example
        -------
        >>> LinkageSpec.default().used_columns()[:4]
        ['source', 'record_id', 'phone', 'email']
        """
        cols = ["source", "record_id"]
        cols += [
            _key_column(k)
            for r in self.blocking
            for k in (*r.keys, *(k for alt in r.cross_keys for k in alt))
        ]
        for c in self.comparisons:
            cols += list(c.columns) + [
                x for lv in c.levels for x in (lv.column, lv.missing, lv.other, *lv.needs) if x
            ]
        cols += list(self.conflict_columns) + [
            x for r in self.conflict_rules for x in (r.column, *r.unless)
        ]
        return list(dict.fromkeys(cols))
