"""Before signing: how many customers buyer and seller share, without either showing its list.

Private set intersection cardinality (ECDH, ``openmined.psi``) over normalized identifiers of
each party's golden customers, in three file exchanges (``migration-kit overlap``):

- :mod:`.identifiers`: phone (E.164), e-mail (case-folded), ID number, name + birth date; the
  composite tokens of every combination of them.
- :mod:`.psi`: blinding, answering and counting, on every core.
- :mod:`.protocol`: the self-describing message files and the three steps on DataFrames.
- :mod:`.estimate`: the combined figure (inclusion-exclusion) and its hard bounds.
- :mod:`.steps`: the steps on each party's run folder, with audit entries; the rehearsal walk
  through of notebook ``08_overlap``.
- :mod:`.cli`: ``migration-kit overlap request | answer | result``.

Each party learns the counts and the other's set sizes, nothing about which customers.

Example
-------
>>> from migration_kit import overlap
>>> overlap.KINDS
('phone', 'email', 'id_number', 'name_birth')
"""

from __future__ import annotations

from .estimate import SUBSET_NAMES, bounds, inclusion_exclusion
from .identifiers import KINDS, SUBSETS, identifier_table, local_ambiguity, subset_tokens
from .protocol import OverlapResult, RequestRecord, make_answer, make_request, read_result
from .steps import (
    Parties,
    answer,
    answer_step,
    buyer_params,
    parties_table,
    prepare,
    rehearsal_parties,
    request,
    request_step,
    result,
    result_step,
    steps_table,
    truth_check,
)

__all__ = [
    "KINDS",
    "SUBSETS",
    "SUBSET_NAMES",
    "OverlapResult",
    "Parties",
    "RequestRecord",
    "answer",
    "answer_step",
    "bounds",
    "buyer_params",
    "identifier_table",
    "inclusion_exclusion",
    "local_ambiguity",
    "make_answer",
    "make_request",
    "parties_table",
    "prepare",
    "read_result",
    "rehearsal_parties",
    "request",
    "request_step",
    "result",
    "result_step",
    "steps_table",
    "subset_tokens",
    "truth_check",
]
