"""The deal table: one row per deal type, read by params, the scoping rules and the documents."""

from __future__ import annotations

import dataclasses

import pytest

from migration_kit import params
from migration_kit.deals import DEAL_TABLE, DEAL_TYPES, DEALS, DealType, deal_type
from migration_kit.errors import ParamsError
from migration_kit.scoping.rules import RULES_BY_CODE

DEAL_CASES = [  # code, transfers, PIPL article, consent or contract, basis with / without consent
    ("merger", True, "PIPL Art. 22", False, "TRANSFER_PIPL_ART22", "TRANSFER_PIPL_ART22"),
    ("division", True, "PIPL Art. 22", False, "TRANSFER_PIPL_ART22", "TRANSFER_PIPL_ART22"),
    ("dissolution", True, "PIPL Art. 22", False, "TRANSFER_PIPL_ART22", "TRANSFER_PIPL_ART22"),
    ("bankruptcy", True, "PIPL Art. 22", False, "TRANSFER_PIPL_ART22", "TRANSFER_PIPL_ART22"),
    (
        "asset_sale",
        True,
        "PIPL Art. 23",
        True,
        "TRANSFER_PIPL_ART23_CONSENT",
        "TRANSFER_BUSINESS_TRANSFER_GBT35273_9_3",
    ),
    ("share_sale", False, None, False, "", ""),
]


@pytest.mark.parametrize("code,transfers,article,consent,with_consent,without", DEAL_CASES)
def test_deal_row(code, transfers, article, consent, with_consent, without):
    d = deal_type(code)
    assert (d.code, d.transfers, d.pipl_article, d.needs_consent) == (
        code,
        transfers,
        article,
        consent,
    )
    assert (d.basis_code(True), d.basis_code(False)) == (with_consent, without)
    assert d.label and d.basis_text


def test_table_order_is_the_params_order():
    assert DEAL_TYPES == tuple(d.code for d in DEAL_TABLE) == tuple(DEALS)
    assert DEAL_TYPES == ("merger", "division", "dissolution", "bankruptcy", "asset_sale", "share_sale")
    assert params.DEAL_TYPES is DEAL_TYPES


BASIS_CODE_CASES = [  # code, distinct basis codes
    ("merger", ("TRANSFER_PIPL_ART22",)),
    ("asset_sale", ("TRANSFER_PIPL_ART23_CONSENT", "TRANSFER_BUSINESS_TRANSFER_GBT35273_9_3")),
    ("share_sale", ()),
]


@pytest.mark.parametrize("code,codes", BASIS_CODE_CASES)
def test_basis_codes(code, codes):
    assert DEALS[code].basis_codes == codes


REJECT_CASES = [  # code, where, message
    (
        "takeover",
        "deal.type",
        r"^deal\.type: received 'takeover'; allowed values: merger, "
        r"division, dissolution, bankruptcy, asset_sale, share_sale$",
    ),
    ("asset_sal", "x", r"^x: received 'asset_sal' \(did you mean 'asset_sale'\?\)"),
]


@pytest.mark.parametrize("code,where,match", REJECT_CASES)
def test_unknown_deal_type_is_rejected(code, where, match):
    with pytest.raises(ParamsError, match=match):
        deal_type(code, where)


def test_rows_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEALS["merger"].transfers = False  # type: ignore[misc]
    assert all(isinstance(d, DealType) for d in DEAL_TABLE)


RULE_SCOPE_CASES = [  # rule code, deal types it is in force for (read from the deal table)
    ("SHARE_SALE_NO_TRANSFER", tuple(d.code for d in DEAL_TABLE if not d.transfers)),
    ("HELD_NO_CONSENT", tuple(d.code for d in DEAL_TABLE if d.needs_consent)),
    ("NOTIFY_RECIPIENT", tuple(d.code for d in DEAL_TABLE if d.transfers)),
    ("ERASURE_REQUEST", DEAL_TYPES),
]


@pytest.mark.parametrize("code,deal_types", RULE_SCOPE_CASES)
def test_rules_take_their_deal_types_from_the_table(code, deal_types):
    assert RULES_BY_CODE[code].deal_types == deal_types


def test_rule_scope_matches_the_law():
    assert RULES_BY_CODE["SHARE_SALE_NO_TRANSFER"].deal_types == ("share_sale",)
    assert RULES_BY_CODE["HELD_NO_CONSENT"].deal_types == ("asset_sale",)
