"""The combined figure: customers sharing at least one identifier, from per-subset cardinalities.

Per-identifier counts cannot be summed (a customer matching on phone and e-mail would count
twice). For every non-empty subset ``S`` of kinds the buyer learns ``n_S``, the number of composite
tokens (all kinds of ``S`` together) both parties hold. Inclusion-exclusion gives

    E = sum over S of (-1)^(|S|+1) * n_S

**Exact** when (i) no identifier value is held by two customers of the same party, (ii) every
buyer customer's matching identifiers belong to one seller customer and (iii) no buyer customer
matches on two values of one kind (both parties knowing two of its phones): then each buyer
customer that matches on the kinds ``M`` contributes ``sum over non-empty S in M of
(-1)^(|S|+1) = 1``. With ``m_k`` matching values of kind ``k`` it contributes
``1 - prod_k (1 - m_k)``, which is 1 only when every ``m_k`` is 0 or 1.

**Error.** A buyer customer whose matches point at several seller customers (its phone is one
seller customer's, its e-mail another's) contributes the Euler characteristic of the subsets it
matches, between 0 and 4 with four kinds: an error of -1 to +3 for that customer. A value held by
k customers of one party counts once where up to k customers share it. None of these can be seen
in counts alone, so the result also gives hard bounds that always hold: at least the largest
per-identifier count less the buyer's extra values of that kind (``extra``, counted locally), at
most the sum of the per-identifier counts plus the buyer's customers
that share a value with another of its customers (``ambiguity``, counted locally), and never more
than the buyer's number of customers.

Example
-------
>>> inclusion_exclusion({"phone": 10, "email": 4, "phone.email": 3})
11
>>> bounds({"phone": 10, "email": 4, "phone.email": 3}, buyer_customers=50,
...        buyer_ambiguity={"phone": 0, "email": 0})
(10, 14)
"""

from __future__ import annotations

from collections.abc import Mapping

from .identifiers import KINDS, SUBSETS, subset_name

__all__ = ["SUBSET_NAMES", "bounds", "inclusion_exclusion"]


#: Subset names in message order (every non-empty subset of the kinds).
SUBSET_NAMES: tuple[str, ...] = tuple(subset_name(s) for s in SUBSETS)


def inclusion_exclusion(counts: Mapping[str, int]) -> int:
    """``sum (-1)^(|S|+1) n_S`` over the subsets named in ``counts`` (``"phone.email"``: |S| = 2).

    Example
    -------
    >>> inclusion_exclusion({"phone": 5})
    5
    """
    return int(sum((-1) ** (len(name.split(".")) + 1) * int(n) for name, n in counts.items()))


def bounds(
    counts: Mapping[str, int],
    *,
    buyer_customers: int,
    buyer_ambiguity: Mapping[str, int],
    buyer_extra: Mapping[str, int] | None = None,
) -> tuple[int, int]:
    """Hard bounds on the number of buyer customers sharing at least one identifier.

    Parameters
    ----------
    counts : mapping
        Per-subset intersection sizes (the single kinds at least).
    buyer_customers : int
        The buyer's number of golden customers.
    buyer_ambiguity : mapping
        Per kind, the buyer's customers sharing that value with another of its customers.
    buyer_extra : mapping, optional
        Per kind, the buyer's values beyond each customer's first (two phones: one extra).

    Example
    -------
    >>> bounds({"phone": 3, "email": 0}, buyer_customers=2, buyer_ambiguity={"phone": 2})
    (2, 2)
    """
    extra = buyer_extra or {}
    singles = [int(counts.get(k, 0)) for k in KINDS]
    # a customer with several values of a kind can match on more than one of them
    low = max(
        0,
        min(
            max(n - int(extra.get(k, 0)) for k, n in zip(KINDS, singles, strict=True)),
            buyer_customers,
        ),
    )
    high = min(buyer_customers, sum(singles) + sum(int(buyer_ambiguity.get(k, 0)) for k in KINDS))
    return low, max(low, high)
