"""The params file: one YAML per client, validated into typed, frozen objects.

Every client run reads its settings from here. Validation happens when the objects are built:
unknown keys, unknown canonical fields, bad choices, missing files and duplicate source names fail
with a :class:`~migration_kit.errors.ParamsError` naming the key, the value received and the
allowed values.

The file is composed of each stage's own spec: ``sources``/``suppression``
(:mod:`migration_kit.intake.spec`), ``policy`` (:class:`~migration_kit.scoping.policy.PolicySpec`),
``linkage`` (:class:`~migration_kit.linkage.section.LinkageSection`: a frozen spec, or the
planner), ``golden`` (:class:`~migration_kit.linkage.survivorship.SurvivorshipSpec`), ``quality``
(:class:`~migration_kit.quality.spec.QualitySpec`) and ``keys``
(:class:`~migration_kit.handover.keys.KeysSpec`); ``deal`` is parsed here.

Example
-------
>>> p = load_params("params/rehearsal.yaml")          # doctest: +SKIP
>>> p.client, [s.name for s in p.sources]            # doctest: +SKIP
('rehearsal', ['pos', 'web', 'school', 'overseas'])
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ._spec import check_choice, check_keys, check_type, require
from .deals import DEAL_TYPES
from .errors import ParamsError
from .handover.keys import KeysSpec
from .intake.spec import DATE_ORDERS, FORMATS, SLUG, SourceSpec, SuppressionSpec
from .linkage.section import LinkageSection
from .linkage.survivorship import SurvivorshipSpec
from .quality.spec import QualitySpec
from .scoping.policy import PolicySpec

__all__ = [
    "DATE_ORDERS",
    "DEAL_TYPES",
    "FORMATS",
    "SECTIONS",
    "Deal",
    "Params",
    "Party",
    "SourceSpec",
    "SuppressionSpec",
    "load_params",
    "parse_params",
]

#: Top-level sections owned by a stage's spec class.
SECTIONS: tuple[str, ...] = ("policy", "linkage", "golden", "quality", "keys")
_TOP_KEYS = ("client", "deal", "sources", "suppression", *SECTIONS)


@dataclass(frozen=True)
class Party:
    """A party to the deal: who they are and how customers reach them.

    Parameters
    ----------
    name : str
        Legal name as it appears in the notices.
    contact : str
        Where customers and the regulator reach the party (an e-mail or address).
    country : str, optional
        ISO2 country code (recipient: decides cross-border rules).
    """

    name: str
    contact: str
    country: str | None = None

    @classmethod
    def from_dict(cls, data: Any, where: str, need_country: bool = False) -> Party:
        check_keys(data, ("name", "contact", "country"), where, required=("name", "contact"))
        country = data.get("country")
        if need_country:
            require(
                country is not None,
                f"{where}.country",
                "required key is missing (ISO 3166 alpha-2, e.g. CN)",
            )
        if country is not None:
            require(
                isinstance(country, str) and len(country) == 2 and country.isalpha(),
                f"{where}.country",
                f"received {country!r}; expected an ISO 3166 alpha-2 code such as CN, DE, US",
            )
            country = country.upper()
        return cls(name=str(data["name"]), contact=str(data["contact"]), country=country)


@dataclass(frozen=True)
class Deal:
    """The transaction: its type decides the legal basis of the transfer (PIPL Art. 22 / 23).

    Parameters
    ----------
    type : str
        ``merger``, ``division``, ``asset_sale``, ``share_sale``, ``dissolution`` or ``bankruptcy``
        (the deal table in ``migration_kit.deals``: controller change, PIPL article, legal basis).
    seller : mapping
        The seller's ``name`` and ``contact`` (shown in notices and the report).
    recipient : mapping
        The recipient's ``name``, ``contact`` and ``country`` (ISO2; another country than CN makes
        the transfer cross-border).
    """

    type: str
    seller: Party
    recipient: Party

    @classmethod
    def from_dict(cls, data: Any, where: str = "deal") -> Deal:
        check_keys(
            data, ("type", "seller", "recipient"), where, required=("type", "seller", "recipient")
        )
        return cls(
            type=check_choice(data["type"], DEAL_TYPES, f"{where}.type"),
            seller=Party.from_dict(data["seller"], f"{where}.seller"),
            recipient=Party.from_dict(data["recipient"], f"{where}.recipient", need_country=True),
        )


@dataclass(frozen=True)
class Params:
    """A validated params file: the deal, the sources, and each stage's own section.

    Parameters
    ----------
    client : str
        Short name of the client (a slug: lowercase letters, digits, - or _); names the run folder
        ``runs/<client>/``.
    deal : mapping
        The deal: its ``type``, the ``seller`` and the ``recipient`` (see ``deal``).
    sources : list of mappings
        One entry per seller export to migrate (see ``sources[]``).
    suppression : list of mappings, optional
        Withdrawal, erasure and opt-out request lists (see ``suppression[]``).
    policy : mapping
        The scoping policy: transfer date, retention, minors, purposes, cross-border (see
        ``policy``); a transfer needs at least ``transfer_date``.
    linkage : mapping, optional
        Deduplication. Absent: the kit plans it from the data and writes the plan to
        ``reports/linkage_plan.yaml``, which can be pasted here to freeze it.
    golden : mapping, optional
        Survivorship: which record's value a golden record keeps, and the review decisions file.
    quality : mapping, optional
        Quality checks, the gates that stop the export, and approved overrides.
    keys : mapping
        The buyer's certificates and the seller's signing key (``recipient_certificates``,
        ``signer_certificate``, ``signer_key``); ``{rehearsal: true}`` only on synthetic data
        (throw-away keys in the run's ``secrets/keys``).
    """

    client: str
    deal: Deal
    sources: tuple[SourceSpec, ...]
    suppression: tuple[SuppressionSpec, ...]
    policy: PolicySpec
    linkage: LinkageSection
    golden: SurvivorshipSpec
    quality: QualitySpec
    keys: KeysSpec | None = None  # the certificates and the signer's key of a real run
    rehearsal_keys: bool = False  # ``keys: {rehearsal: true}``: throw-away keys per run
    file: Path | None = None
    sha256: str = ""

    @property
    def base_dir(self) -> Path:
        return self.file.parent if self.file else Path.cwd()


def _sections(data: Mapping[str, Any], base_dir: Path) -> dict[str, Any]:
    """Each stage's section parsed by its own spec class (defaults when the section is absent)."""

    def section(name: str) -> Any:
        return data.get(name)

    out: dict[str, Any] = {
        "policy": PolicySpec.default()
        if section("policy") is None
        else PolicySpec.from_dict(section("policy"), where="policy", base_dir=base_dir),
        "linkage": LinkageSection.default()
        if section("linkage") is None
        else LinkageSection.from_dict(section("linkage"), where="linkage"),
        "golden": SurvivorshipSpec.default()
        if section("golden") is None
        else SurvivorshipSpec.from_dict(section("golden"), where="golden", base_dir=base_dir),
        "quality": QualitySpec.default()
        if section("quality") is None
        else QualitySpec.from_dict(section("quality"), where="quality"),
        "keys": None,
        "rehearsal_keys": False,
    }
    keys = section("keys")
    if isinstance(keys, Mapping) and "rehearsal" in keys:
        require(
            set(keys) == {"rehearsal"} and keys["rehearsal"] is True,
            "keys.rehearsal",
            "keys: {rehearsal: true} alone makes throw-away keys for a rehearsal; a real run "
            "lists recipient_certificates, signer_certificate and signer_key instead",
        )
        out["rehearsal_keys"] = True
    elif keys is not None:
        out["keys"] = KeysSpec.from_dict(keys, where="keys", base_dir=base_dir)
    return out


def parse_params(data: Any, base_dir: Path, file: Path | None = None, sha256: str = "") -> Params:
    """Validate a params mapping (as loaded from YAML) into :class:`Params`.

    Example
    -------
    >>> parse_params({"client": "x"}, Path("."))   # doctest: +SKIP
    Traceback (most recent call last):
    ParamsError: deal: required key is missing
    """
    try:
        check_keys(data, _TOP_KEYS, "", required=("client", "deal", "sources"))
        client = check_type(data["client"], str, "client")
        require(
            bool(SLUG.match(client)),
            "client",
            f"received {client!r}; expected a slug (lowercase letters, digits, - or _), "
            "e.g. acme-sports",
        )
        deal = Deal.from_dict(data["deal"])
        sources_raw = check_type(data["sources"], list, "sources")
        require(
            len(sources_raw) > 0, "sources", "no sources listed; add one entry per seller export"
        )
        sources = tuple(
            SourceSpec.from_dict(s, f"sources[{i}]", base_dir) for i, s in enumerate(sources_raw)
        )
        seen: dict[str, int] = {}
        for i, src in enumerate(sources):
            if src.name in seen:
                raise ParamsError(
                    f"sources[{i}].name",
                    f"duplicate source name {src.name!r} (also sources[{seen[src.name]}]); "
                    "give each source a unique name",
                )
            seen[src.name] = i
        supp_raw = data.get("suppression") or []
        check_type(supp_raw, list, "suppression")
        suppression = tuple(
            SuppressionSpec.from_dict(s, f"suppression[{i}]", base_dir)
            for i, s in enumerate(supp_raw)
        )
        sections = _sections(data, base_dir)
    except ParamsError as exc:
        if file is not None and exc.file is None:
            raise ParamsError(exc.where, exc.detail, file=str(file)) from None
        raise
    return Params(
        client=client,
        deal=deal,
        sources=sources,
        suppression=suppression,
        **sections,
        file=file,
        sha256=sha256,
    )


def load_params(path: str | Path) -> Params:
    """Read and validate a params YAML file.

    Parameters
    ----------
    path : str or Path
        The params file; source paths inside it are relative to its folder.

    Returns
    -------
    Params
        Frozen, validated settings. ``sha256`` is the hash of the file's bytes (recorded in the
        manifest and audit log).

    Example
    -------
    >>> load_params("params/rehearsal.yaml").deal.type   # doctest: +SKIP
    'merger'
    """
    path = Path(path)
    if not path.is_file():
        raise ParamsError("params", f"file not found: {path}", file=str(path))
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ParamsError(
            "params", f"not valid UTF-8 YAML: {str(exc).splitlines()[0]}", file=str(path)
        ) from None
    if not isinstance(data, dict):
        raise ParamsError(
            "params",
            f"expected a mapping at the top level, received {type(data).__name__}",
            file=str(path),
        )
    return parse_params(
        data, path.resolve().parent, file=path.resolve(), sha256=hashlib.sha256(raw).hexdigest()
    )
