"""The combined figure: inclusion-exclusion over per-subset cardinalities, and its hard bounds."""
from __future__ import annotations

import pandas as pd
import pytest

from migration_kit.overlap.estimate import SUBSET_NAMES, bounds, inclusion_exclusion
from migration_kit.overlap.identifiers import (
    KINDS,
    SUBSETS,
    local_ambiguity,
    subset_name,
    subset_tokens,
)


def _table(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{k: r.get(k) for k in KINDS} for r in rows], columns=list(KINDS))


def _plain_counts(buyer: pd.DataFrame, seller: pd.DataFrame) -> dict[str, int]:
    """What PSI-CA returns, computed in the clear: per subset, tokens both hold."""
    return {subset_name(s): len(set(subset_tokens(buyer, s)) & set(subset_tokens(seller, s)))
            for s in SUBSETS}


def _truth(buyer: pd.DataFrame, seller: pd.DataFrame) -> int:
    """Buyer customers sharing at least one identifier with the seller, by brute force."""
    held = {k: set(seller[k].dropna()) for k in KINDS}
    return sum(any(r[k] is not None and r[k] in held[k] for k in KINDS)
               for r in buyer.to_dict("records"))


P1, P2, P3 = "+8613800000001", "+8613800000002", "+8613800000003"
CASES = {
    # each buyer customer's matches point at one seller customer: exact
    "consistent": (
        [{"phone": P1, "email": "a@x", "id_number": "I1"}, {"phone": P2}, {"email": "c@x"},
         {"phone": P3, "name_birth": "n|1"}],
        [{"phone": P1, "email": "a@x"}, {"phone": P2, "email": "b@x"}, {"email": "c@x"},
         {"phone": "+8613899999999", "name_birth": "n|9"}],
        0,
    ),
    # a seller customer split in two golden records sharing the phone: still exact
    "split_sharing_a_value": (
        [{"phone": P1, "email": "a@x", "id_number": "I1"}],
        [{"phone": P1, "email": "a@x"}, {"phone": P1, "id_number": "I1"}],
        0,
    ),
    # the buyer's customer holds one seller customer's phone and another's e-mail: +1
    "mixed_identity": (
        [{"phone": P1, "email": "b@x"}],
        [{"phone": P1, "email": "a@x"}, {"phone": P2, "email": "b@x"}],
        1,
    ),
    # two buyer customers share a household phone the seller holds: the token counts once, -1
    "household_phone": (
        [{"phone": P1, "email": "a@x"}, {"phone": P1, "email": "z@x"}],
        [{"phone": P1, "email": "a@x"}],
        -1,
    ),
    "no_overlap": ([{"phone": P1}], [{"phone": P2}], 0),
}


@pytest.mark.parametrize("case", list(CASES))
def test_inclusion_exclusion_error_and_bounds(case):
    b_rows, s_rows, error = CASES[case]
    buyer, seller = _table(b_rows), _table(s_rows)
    counts = _plain_counts(buyer, seller)
    truth = _truth(buyer, seller)
    assert inclusion_exclusion(counts) - truth == error
    low, high = bounds(counts, buyer_customers=len(buyer), buyer_ambiguity=local_ambiguity(buyer))
    assert low <= truth <= high


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"phone": 5}, 5),
        ({"phone": 5, "email": 3, "phone.email": 2}, 6),
        ({"phone": 1, "email": 1, "id_number": 1, "phone.email": 1, "phone.id_number": 1,
          "email.id_number": 1, "phone.email.id_number": 1}, 1),
        ({n: 0 for n in SUBSET_NAMES}, 0),
    ],
)
def test_inclusion_exclusion_signs(counts, expected):
    assert inclusion_exclusion(counts) == expected


@pytest.mark.parametrize(
    ("counts", "customers", "ambiguity", "expected"),
    [
        ({"phone": 10, "email": 4}, 100, {}, (10, 14)),
        ({"phone": 10, "email": 4}, 12, {}, (10, 12)),        # never more than the buyer has
        ({"phone": 10, "email": 4}, 100, {"phone": 3}, (10, 17)),
        ({"phone": 0}, 5, {}, (0, 0)),
    ],
)
def test_bounds(counts, customers, ambiguity, expected):
    assert bounds(counts, buyer_customers=customers, buyer_ambiguity=ambiguity) == expected
