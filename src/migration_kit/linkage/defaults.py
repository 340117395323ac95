"""The reference client's ``linkage:`` section as data (:data:`DEFAULT_SPEC`), with why each
blocking pass, comparison level and conflict rule is there. ``LinkageSpec.default()`` builds it.

Example
-------
>>> [b["name"] for b in DEFAULT_SPEC["blocking"]][:3]
['phone', 'email', 'id_number']
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_SPEC"]


def _name(col: str = "name_key") -> list[dict[str, Any]]:
    return [
        {"name": "exact", "test": "exact", "column": col, "needs": ["given_name"]},
        {"name": "pinyin", "test": "exact", "column": "pinyin_key", "needs": ["given_name"]},
        {"name": "email_name", "test": "email_name", "column": "email", "other": "pinyin_key"},
        {
            "name": "family_only",
            "test": "partial",
            "column": "family_name",
            "missing": "given_name",
        },
        {"name": "lev88", "test": "levenshtein", "threshold": 0.88, "column": "pinyin_key"},
    ]


#: The reference client's section. Why these passes: exact phone / email / id catch most
#: duplicates; name + birth date catches changed contact data; pinyin passes catch Chinese vs
#: romanised spellings; name + phone prefix / family + phone suffix catch one-digit phone typos
#: when birth date and email are missing; family name + phone prefix catches a typo in the last
#: digits of a contact recorded by family name only; pinyin + phone suffix catches a typo early in
#: the phone across scripts (韩旭磊 / han xulei, whose family names 韩 / Han differ);
#: pinyin + city catches a changed phone with no birth date.
#: Address, postcode and city are one comparison (best level wins): they are not independent
#: (one household shares all three), and counting them as three would let a family sharing a
#: phone and an address outweigh two different names. ``other_country`` (both countries known and
#: different) is its own level, learned by EM: a member's home address in China against the
#: shipping address of an overseas order is weak evidence against, not the near-veto that two
#: different addresses in one country are.
#: Fuzzy names use Levenshtein on the pinyin key, not Jaro-Winkler: JW's prefix bonus makes two
#: family members (gao jian / gao huajing: JW 0.92) look like a typo of one name.
#: Exact and pinyin name levels ``need`` a given name on both sides: two contacts recorded as
#: 阎老师 share a family name, not a full name (they fall to ``family_only``).
#: The name level ``family_only`` (family name equal, given name missing on one side) is a contact
#: recorded with an honorific only (危老师 -> 危): weaker than a full name, not a disagreement.
#: ``email_name`` (name level and the ``email_name_city`` pass): one record's email local part
#: spells the other's full name (a school contact 刘老师 -> 刘 whose email is zhiyingliu88@...).
#: ``family_address``: a contact recorded by family name only at the same address (no phone match).
#: Phone ``other_type``: a landline against a mobile is not a disagreement (people have both), and
#: not an agreement either: ``neutral`` (weight 0). Estimated, its weight would measure how many
#: records come from the one source that keeps landlines, not whether two records are one person.
#: ``conflict_rules``: two full names whose differing parts share little (gao ruitao / gao
#: xuexiang: a parent and child on one phone and address) are different people, whatever else
#: they share. Similarity 0.8 with one edit tolerated: yanxiang / yanxia (0.75, 2 edits) and
#: yujuan / danjuan conflict, a one-letter romanisation typo or a spacing variant does not.
#: ``m_floor`` / ``pseudo_count`` smooth EM (see :mod:`.model`); ``tf_smoothing`` Good-Turing term
#: frequencies; ``tf_classes`` recalibrates every name from the share of matches among all pairs
#: agreeing on a name of its frequency class (2..10 records, then geometric bins; see
#: :mod:`.tfclass`).
DEFAULT_SPEC: dict[str, Any] = {
    "blocking": [
        {"name": "phone", "keys": ["phone"], "max_block_size": 50},
        {"name": "email", "keys": ["email"], "max_block_size": 50},
        {"name": "id_number", "keys": ["id_number"], "max_block_size": 50},
        {"name": "name_dob", "keys": ["name_key", "birth_date"]},
        {"name": "pinyin_dob", "keys": ["pinyin_key", "birth_date"]},
        {"name": "pinyin_city", "keys": ["pinyin_key", "city"]},
        {"name": "name_phone_prefix", "keys": ["name_key", "phone:first10"]},
        {"name": "pinyin_phone_prefix", "keys": ["pinyin_key", "phone:first10"]},
        {"name": "family_phone_last4", "keys": ["family_name", "phone:last4"]},
        {"name": "family_phone_prefix", "keys": ["family_name", "phone:first10"]},
        {"name": "pinyin_phone_last4", "keys": ["pinyin_key", "phone:last4"]},
        {
            "name": "email_name_city",
            "keys": ["email:local_letters", "city"],
            "cross_keys": [["pinyin_key:concat", "city"], ["pinyin_key:rconcat", "city"]],
            "max_block_size": 50,
        },
        {"name": "family_address", "keys": ["family_name", "address"], "max_block_size": 50},
    ],
    "comparisons": [
        {"name": "name", "columns": ["pinyin_key", "name_key"], "levels": _name()},
        {
            "name": "birth_date",
            "columns": ["birth_date"],
            "levels": [
                {"name": "exact", "test": "exact"},
                {"name": "transposed", "test": "date_transposed"},
                {"name": "one_part", "test": "date_components", "threshold": 2},
                {"name": "within_1y", "test": "date_within_days", "threshold": 366},
            ],
        },
        {
            "name": "phone",
            "columns": ["phone"],
            "levels": [
                {"name": "exact", "test": "exact"},
                {"name": "last8", "test": "suffix", "threshold": 8},
                {"name": "one_digit", "test": "hamming", "threshold": 1},
                {"name": "other_type", "test": "differs", "column": "phone_type", "neutral": True},
            ],
        },
        {
            "name": "email",
            "columns": ["email"],
            "levels": [
                {"name": "exact", "test": "exact"},
                {"name": "local", "test": "email_local"},
                {"name": "edit1", "test": "edit_distance", "threshold": 1},
            ],
        },
        {
            "name": "id_number",
            "columns": ["id_number"],
            "levels": [{"name": "exact", "test": "exact"}],
        },
        {
            "name": "location",
            "columns": ["address", "postcode", "city", "country"],
            "levels": [
                {"name": "address", "test": "exact", "column": "address"},
                {
                    "name": "address_close",
                    "test": "levenshtein",
                    "threshold": 0.8,
                    "column": "address",
                },
                {"name": "postcode", "test": "exact", "column": "postcode"},
                {"name": "city", "test": "exact", "column": "city"},
                {"name": "other_country", "test": "differs", "column": "country"},
            ],
        },
        {"name": "gender", "columns": ["gender"], "levels": [{"name": "exact", "test": "exact"}]},
    ],
    "upper_threshold": 0.95,
    "lower_threshold": 0.5,
    "max_block_size": 200,
    "em_max_iter": 50,
    "tf_adjust": ["name_key", "pinyin_key"],
    "link_type": "dedupe_and_link",
    "conflict_columns": ["id_number", "birth_date"],
    "u_sample_size": 200000,
    "u_source": "random",
    "seed": 42,
    "m_floor": 0.001,
    "pseudo_count": 1.0,
    "tf_smoothing": True,
    "tf_classes": {"max_count": 10, "min_values": 20, "iterations": 2},
    "conflict_rules": [
        {
            "name": "different_names",
            "column": "pinyin_key",
            "test": "tokens_differ",
            "threshold": 0.8,
            "max_edits": 1,
            "unless": ["id_number"],
        },
    ],
}
