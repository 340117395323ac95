"""The combined figure: inclusion-exclusion over per-subset cardinalities, and its hard bounds."""
from __future__ import annotations

import pandas as pd
import pytest

from migration_kit.overlap.estimate import SUBSET_NAMES, bounds, inclusion_exclusion
from migration_kit.overlap.identifiers import (
    KINDS,
    SUBSETS,
    Identifiers,
    extra_values,
    local_ambiguity,
    subset_name,
    subset_tokens,
)


def _table(rows: list[dict]) -> Identifiers:
    """Customers as data: a kind's value, or a list of values."""
    out = [(c, k, v) for c, r in enumerate(rows) for k in KINDS
           for v in (r[k] if isinstance(r.get(k), list) else [r.get(k)]) if v is not None]
    return Identifiers(pd.DataFrame(out, columns=["customer", "kind", "value"]), len(rows))


def _plain_counts(buyer: pd.DataFrame, seller: pd.DataFrame) -> dict[str, int]:
    """What PSI-CA returns, computed in the clear: per subset, tokens both hold."""
    return {subset_name(s): len(set(subset_tokens(buyer, s)) & set(subset_tokens(seller, s)))
            for s in SUBSETS}


def _truth(buyer: Identifiers, seller: Identifiers) -> int:
    """Buyer customers sharing at least one identifier with the seller, by brute force."""
    held = set(zip(seller.values["kind"], seller.values["value"], strict=True))
    v = buyer.values
    return v.loc[[(k, x) in held for k, x in zip(v["kind"], v["value"], strict=True)],
                 "customer"].nunique()


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
    # an old and a new phone: the buyer knows the old one, the seller's golden the new one
    "old_and_new_phone": (
        [{"phone": P1, "email": "a@x"}],
        [{"phone": [P2, P1]}],
        0,
    ),
    # both parties know two of the customer's phones: 1 - (1 - 2) = 2, one too many
    "two_matching_phones": (
        [{"phone": [P1, P2]}],
        [{"phone": [P1, P2]}],
        1,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_inclusion_exclusion_error_and_bounds(case):
    b_rows, s_rows, error = CASES[case]
    buyer, seller = _table(b_rows), _table(s_rows)
    counts = _plain_counts(buyer, seller)
    truth = _truth(buyer, seller)
    assert inclusion_exclusion(counts) - truth == error
    low, high = bounds(counts, buyer_customers=buyer.customers,
                       buyer_ambiguity=local_ambiguity(buyer), buyer_extra=extra_values(buyer))
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


def test_extra_values_lower_the_lower_bound():
    assert bounds({"phone": 10, "email": 4}, buyer_customers=100, buyer_ambiguity={},
                  buyer_extra={"phone": 3}) == (7, 14)
