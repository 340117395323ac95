"""Rates of the rehearsal generator and what a run produced.

:class:`SynthRates` holds the rates, :class:`SynthResult` the outcome of a run.

Example
-------
>>> r = SynthRates.from_dict({"withdrawn": 0.05}, where="synth.rates")
>>> r.withdrawn, r.erasure
(0.05, 0.01)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .._spec import check_keys, check_type, require

__all__ = ["TRANSFER_DATE", "SynthRates", "SynthResult"]

#: The transfer date written into the params policy; minors and inactivity are judged against it.
TRANSFER_DATE = "2026-12-01"


@dataclass(frozen=True)
class SynthRates:
    """Shares of entities (or records, for defects) carrying each case.

    Attributes
    ----------
    duplicate : float
        Share of entities with more than one record (other systems, or twice in one).
    same_source : float
        Share of the duplicated entities whose extra record is in the same source as the first.
    withdrawn, erasure : float
        Share of entities with a consent withdrawal / an erasure request in ``suppression.csv``.
    minor : float
        Share of entities under 14 at the transfer date.
    inactive : float
        Share of entities whose last activity is more than 3 years before the transfer date.
    eu, other_foreign : float
        Share of entities living in the EU / in another foreign country (overseas shop customers).
    school : float
        Share of entities that are contact persons of schools and clubs.
    family_shared_phone, namesake, pinyin_variant : float
        Share of entities in each precision trap (children on a parent's phone; common-name
        namesakes; Chinese customers also in the overseas shop under their pinyin name).
    invalid : float
        Per eligible record, chance of each injected invalid value (PHONE_INVALID, ID_CHECKSUM,
        BIRTH_FUTURE, EMAIL_SYNTAX).
    inconsistent : float
        Per record, chance of ACTIVITY_BEFORE_SIGNUP.

    Example
    -------
    >>> SynthRates().duplicate
    0.27
    """

    duplicate: float = 0.27
    same_source: float = 0.25
    withdrawn: float = 0.02
    erasure: float = 0.01
    minor: float = 0.03
    inactive: float = 0.05
    eu: float = 0.03
    other_foreign: float = 0.04
    school: float = 0.04
    family_shared_phone: float = 0.02
    namesake: float = 0.02
    pinyin_variant: float = 0.015
    invalid: float = 0.01
    inconsistent: float = 0.01

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            check_type(value, (int, float), f"rates.{f.name}")
            require(
                0.0 <= float(value) <= 1.0,
                f"rates.{f.name}",
                f"received {value!r}; a rate is a share between 0 and 1 (e.g. 0.02 for 2%)",
            )
        foreign = self.eu + self.other_foreign + self.school
        require(
            foreign <= 0.5,
            "rates",
            f"eu + other_foreign + school = {foreign:.3f}; keep it <= 0.5 so "
            "most entities are domestic store/web customers",
        )
        require(
            self.withdrawn + self.erasure <= 0.5,
            "rates",
            "withdrawn + erasure must be <= 0.5 (they are disjoint sets of entities)",
        )
        require(
            self.family_shared_phone + self.namesake + self.pinyin_variant <= 0.3,
            "rates",
            "family_shared_phone + namesake + pinyin_variant must be <= 0.3",
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, where: str = "rates") -> SynthRates:
        """Build from a mapping of rate name -> share; unknown names are rejected.

        Example
        -------
        >>> SynthRates.from_dict({"eu": 0.1}).eu
        0.1
        """
        data = dict(data or {})
        check_keys(data, [f.name for f in fields(cls)], where)
        for key, value in data.items():
            check_type(value, (int, float), f"{where}.{key}")
        return cls(**data)

    def as_dict(self) -> dict[str, float]:
        """Return the rates as a plain dict (stable field order)."""
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class SynthResult:
    """What :func:`~migration_kit.synthetic.generate` wrote.

    Attributes
    ----------
    paths : dict[str, Path]
        Written file per role: ``pos, web, school, overseas, suppression, truth, params``.
    counts : dict[str, int]
        Rows per source (and ``suppression``, ``entities``).
    realised : dict[str, float]
        Realised shares measured on the truth table (same names as :class:`SynthRates` where
        applicable, plus defect counts as ``defect.<CODE>``).

    Example
    -------
    >>> SynthResult({}, {"pos": 3}, {}).counts["pos"]
    3
    """

    paths: dict[str, Path] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    realised: dict[str, float] = field(default_factory=dict)
