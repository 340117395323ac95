"""What each deal type means in law, in one table: the one place deal-type knowledge lives.

A :class:`DealType` says whether the controller changes (so records move to the recipient),
which PIPL article governs the transfer, which legal-basis codes the representative record of a
transferred customer carries, whether a customer needs separate consent to move (an asset sale,
PIPL Art. 23; the alternative basis of a business transfer, GB/T 35273-2020 s. 9.3, is a policy
choice: ``policy.asset_sale.basis``) and the sentence the processing record writes. The params file
(``deal.type``), the scoping rules (which deal types a rule is in force for), the disposition
(basis codes) and the processing record all read :data:`DEALS`.

Example
-------
>>> [d.code for d in DEAL_TABLE if d.transfers]
['merger', 'division', 'dissolution', 'bankruptcy', 'asset_sale']
>>> d = deal_type("asset_sale")
>>> d.pipl_article, d.basis_codes
('PIPL Art. 23', ('TRANSFER_PIPL_ART23_CONSENT', 'TRANSFER_BUSINESS_TRANSFER_GBT35273_9_3'))
>>> deal_type("takeover")
Traceback (most recent call last):
migration_kit.errors.ParamsError: deal.type: received 'takeover'; allowed values: merger, ...
"""

from __future__ import annotations

from dataclasses import dataclass

from ._spec import check_choice

__all__ = ["DEALS", "DEAL_TABLE", "DEAL_TYPES", "DealType", "deal_type"]


@dataclass(frozen=True)
class DealType:
    """One deal type and its legal consequences.

    Parameters
    ----------
    code : str
        The value of ``deal.type`` in the params file.
    label : str
        Human-readable name ("asset sale").
    transfers : bool
        The controller changes, so records move to the recipient (PIPL Art. 22-23 engaged);
        False for a share sale (the seller stays the controller and keeps every record).
    pipl_article : str or None
        The PIPL article governing the transfer (None when nothing is transferred).
    needs_consent : bool
        Only customers whose separate consent is on record move (PIPL Art. 23); the rest are
        held back and listed for re-consent. Marketing consent and recent activity never count
        (moving a contract to a third party needs the customer's agreement: Civil Code Art. 555).
    basis_consent : str
        Legal-basis code on the representative record of a transferred customer who consented
        ('' when nothing is transferred).
    basis_contract : str
        The same for a customer who moves without consent: under Art. 22, or, for an asset
        sale, under the business-transfer basis the policy may choose instead of consent.
    basis_text : str
        The legal-basis sentence of the processing record.
    """

    code: str
    label: str
    transfers: bool
    pipl_article: str | None
    needs_consent: bool
    basis_consent: str
    basis_contract: str
    basis_text: str

    @property
    def basis_codes(self) -> tuple[str, ...]:
        """The distinct basis codes a transferred customer may get (empty when none moves)."""
        return tuple(c for c in dict.fromkeys((self.basis_consent, self.basis_contract)) if c)

    def basis_code(self, consent: bool) -> str:
        """The basis code of a transferred customer with (``True``) or without consent."""
        return self.basis_consent if consent else self.basis_contract


_ART22 = "TRANSFER_PIPL_ART22"

#: The deal types, in the order the params file lists them.
DEAL_TABLE: tuple[DealType, ...] = (
    DealType(
        code="merger",
        label="merger",
        transfers=True,
        pipl_article="PIPL Art. 22",
        needs_consent=False,
        basis_consent=_ART22,
        basis_contract=_ART22,
        basis_text="PIPL Art. 22 (merger): the recipient continues the seller's obligations and "
        "original purposes; every customer is told the recipient's name and contact.",
    ),
    DealType(
        code="division",
        label="division",
        transfers=True,
        pipl_article="PIPL Art. 22",
        needs_consent=False,
        basis_consent=_ART22,
        basis_contract=_ART22,
        basis_text="PIPL Art. 22 (division): as for a merger.",
    ),
    DealType(
        code="dissolution",
        label="dissolution",
        transfers=True,
        pipl_article="PIPL Art. 22",
        needs_consent=False,
        basis_consent=_ART22,
        basis_contract=_ART22,
        basis_text="PIPL Art. 22 (dissolution): the recipient of the business continues the "
        "seller's obligations; every customer is told the recipient's name and contact.",
    ),
    DealType(
        code="bankruptcy",
        label="declared bankruptcy",
        transfers=True,
        pipl_article="PIPL Art. 22",
        needs_consent=False,
        basis_consent=_ART22,
        basis_contract=_ART22,
        basis_text="PIPL Art. 22 (declared bankruptcy): as for a dissolution; the administrator "
        "signs for the seller.",
    ),
    DealType(
        code="asset_sale",
        label="asset sale",
        transfers=True,
        pipl_article="PIPL Art. 23",
        needs_consent=True,
        basis_consent="TRANSFER_PIPL_ART23_CONSENT",
        basis_contract="TRANSFER_BUSINESS_TRANSFER_GBT35273_9_3",
        basis_text="PIPL Art. 23 (provision to another controller): only customers whose separate "
        "consent is on record (policy.asset_sale.consent_register) move; the rest are held back "
        "by the seller and listed for re-consent.",
    ),
    DealType(
        code="share_sale",
        label="share sale",
        transfers=False,
        pipl_article=None,
        needs_consent=False,
        basis_consent="",
        basis_contract="",
        basis_text="Share sale: the controller does not change; no personal information is "
        "transferred. Cleanup and reports only.",
    ),
)
#: Deal type code -> :class:`DealType`.
DEALS: dict[str, DealType] = {d.code: d for d in DEAL_TABLE}
#: The allowed values of ``deal.type``.
DEAL_TYPES: tuple[str, ...] = tuple(DEALS)


def deal_type(code: str, where: str = "deal.type") -> DealType:
    """The :class:`DealType` of ``code``; a ParamsError at ``where`` naming the allowed ones."""
    return DEALS[check_choice(code, DEAL_TYPES, where)]
