"""The ``policy:`` params section: what may move to the buyer, for which purposes, and how
customers are told.

:class:`PolicySpec` is built from the YAML mapping with :meth:`PolicySpec.from_dict`, which
rejects unknown keys (listing the known ones) and bad values with a
:class:`~migration_kit.errors.ParamsError`.

Example
-------
>>> p = PolicySpec.from_dict({"transfer_date": "2026-12-31", "minors": "exclude"})
>>> p.transfer_date.isoformat(), p.retention_years, p.minor_age
('2026-12-31', 3, 14)
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._spec import check_choice, check_keys, check_type, optional_file, require
from ..errors import ParamsError
from ..schema import CANONICAL_FIELDS, DEFAULT_SENSITIVE_FIELDS, FIELD_SENSITIVITY
from .requests import RequestsSpec
from .rules import RULE_CODES

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "ADEQUACY_COUNTRIES",
    "DEFAULT_PURPOSES",
    "EU_EEA_COUNTRIES",
    "TEMPLATE_FIELDS",
    "AssetSaleSpec",
    "CrossborderSpec",
    "NotificationSpec",
    "PolicySpec",
]

#: EU 27 + EEA (Iceland, Liechtenstein, Norway): GDPR applies to residents.
EU_EEA_COUNTRIES: tuple[str, ...] = (
    "AT",
    "BE",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "DE",
    "GR",
    "HU",
    "IE",
    "IT",
    "LV",
    "LT",
    "LU",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SK",
    "SI",
    "ES",
    "SE",
    "IS",
    "LI",
    "NO",
)
#: Countries with an EU adequacy decision (GDPR Art. 45); US only for DPF-certified recipients.
ADEQUACY_COUNTRIES: tuple[str, ...] = (
    "AD",
    "AR",
    "CA",
    "CH",
    "FO",
    "GB",
    "GG",
    "IL",
    "IM",
    "JE",
    "JP",
    "KR",
    "NZ",
    "UY",
)

_CONTACT = ("full_name", "phone", "email")
_ADDRESS = ("address", "province", "city", "district", "postcode", "country")
#: Buyer purpose -> canonical fields it needs (default when ``purposes`` is absent).
DEFAULT_PURPOSES: dict[str, tuple[str, ...]] = {
    "order_fulfilment": (*_CONTACT, *_ADDRESS),
    "membership": (
        *_CONTACT,
        "gender",
        "birth_date",
        "created_at",
        "last_activity_at",
        "total_spent",
        "order_count",
    ),
    "after_sales": (*_CONTACT, *_ADDRESS, "organization"),
    "marketing": (*_CONTACT, "province", "city", "marketing_consent"),
}
TEMPLATE_FIELDS: tuple[str, ...] = (
    "recipient_name",
    "recipient_contact",
    "seller_name",
    "seller_contact",
    "transfer_date",
)
_SENSITIVE_DEFAULT = DEFAULT_SENSITIVE_FIELDS
_MINOR_MODES = ("exclude", "guardian_consent")
_MINIMISATION = "(PIPL Art. 6; GDPR Art. 5(1)(c))"


def _method(spec: Any, where: str) -> str | None:
    """The processing method of a purpose entry (``{method: ...}``; None when not given)."""
    if spec is None:
        return None
    check_type(spec, Mapping, where)
    check_keys(spec, ("fields", "method"), where)
    method = spec.get("method")
    if method is None:
        return None
    text = check_type(method, str, f"{where}.method").strip()
    require(bool(text), f"{where}.method", "received an empty value; name the processing method")
    return text


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ParamsError(where, f"received {value!r}; expected a date as YYYY-MM-DD, e.g. 2026-12-31")


def _str_list(value: Any, where: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
    require(
        isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value),
        where,
        f"received {value!r}; expected a list of names",
    )
    if allowed is not None:
        for i, v in enumerate(value):
            check_choice(v, allowed, f"{where}[{i}]")
    return tuple(value)


@dataclass(frozen=True)
class NotificationSpec:
    """``policy.notification``: the customer notices.

    By default every customer gets the built-in notice of :mod:`migration_kit.scoping.notices`
    in the language of their country (zh, en, de, fr, es, it, nl; others en), with what PIPL
    Art. 22/23/39 and GDPR Art. 14 require. ``language`` maps more countries (and ``default``)
    to a language; ``templates`` replaces a language's notice by the seller's own text, which may
    name ``{recipient_name} {recipient_contact} {seller_name} {seller_contact} {transfer_date}``
    (any other placeholder is rejected). ``send_log``: the seller's filled-in send log of the
    previous run (``entity_id, channel, sent_at, status``), read back into the audit.

    Parameters
    ----------
    language : mapping, optional
        Country (ISO2) -> notice language (zh, en, de, fr, es, it, nl, or one of ``templates``).
    templates : mapping, optional
        Language -> notice text with ``{recipient_name}``, ``{recipient_contact}``,
        ``{seller_name}``, ``{seller_contact}``, ``{transfer_date}``.
    send_log : str, optional
        CSV of ``entity_id, channel, sent_at, status`` written by whoever sent the notices; read
        back into the report.
    """

    language: Mapping[str, str] = field(default_factory=dict)
    templates: Mapping[str, str] = field(default_factory=dict)
    send_log: Path | None = None

    @classmethod
    def from_dict(
        cls, data: Any, where: str = "policy.notification", base_dir: Path | None = None
    ) -> NotificationSpec:
        from .notices import NOTICE_LANGUAGES

        check_keys(data, ("language", "templates", "send_log"), where)
        language = dict(data.get("language") or {})
        templates = dict(data.get("templates") or {})
        for lang, text in templates.items():
            check_type(text, str, f"{where}.templates.{lang}")
            for _, name, _, _ in string.Formatter().parse(text):
                if name is not None:
                    check_choice(name, TEMPLATE_FIELDS, f"{where}.templates.{lang}{{{name}}}")
        known = sorted({*NOTICE_LANGUAGES, *templates})
        for country, lang in language.items():
            check_type(lang, str, f"{where}.language.{country}")
            require(
                lang in known,
                f"{where}.language.{country}",
                f"received {lang!r}, which has no notice; known languages: {', '.join(known)}",
            )
        send_log = optional_file(
            data,
            "send_log",
            where,
            base_dir,
            "a CSV with columns entity_id, channel, sent_at, status",
        )
        return cls(language=language, templates=templates, send_log=send_log)

    def language_for(self, country: str | None) -> str:
        """The notice language for a customer's ISO2 country."""
        from .notices import COUNTRY_LANGUAGE

        table = {**COUNTRY_LANGUAGE, "default": "en", **self.language}
        return table.get(country or "", table["default"])


_ASSET_BASES = ("separate_consent", "business_transfer")


@dataclass(frozen=True)
class AssetSaleSpec:
    """``policy.asset_sale``: the legal basis of an asset sale.

    Parameters
    ----------
    basis : {'separate_consent', 'business_transfer'}
        ``separate_consent`` (PIPL Art. 23, the default): only customers in the consent register
        move; the rest are held back and listed for re-consent. ``business_transfer``: the sale
        of the business is treated like an Art. 22 transfer (GB/T 35273-2020 s. 9.3), which
        needs the reference of the legal opinion that supports it.
    consent_register : Path or None
        CSV of ``source, record_id, consented_at`` (optional ``channel``): the separate consents.
    legal_opinion : str or None
        Reference of the legal opinion behind ``business_transfer``.

    Example
    -------
    >>> AssetSaleSpec.from_dict({"basis": "business_transfer"})
    Traceback (most recent call last):
    migration_kit.errors.ParamsError: policy.asset_sale.legal_opinion: basis business_transfer ...
    """

    basis: str = "separate_consent"
    consent_register: Path | None = None
    legal_opinion: str | None = None

    @classmethod
    def from_dict(
        cls, data: Any, where: str = "policy.asset_sale", base_dir: Path | None = None
    ) -> AssetSaleSpec:
        check_keys(data, ("basis", "consent_register", "legal_opinion"), where)
        basis = check_choice(data.get("basis", "separate_consent"), _ASSET_BASES, f"{where}.basis")
        path = optional_file(
            data,
            "consent_register",
            where,
            base_dir,
            "a CSV with columns source, record_id, consented_at",
        )
        opinion = data.get("legal_opinion")
        opinion = None if opinion is None else str(opinion).strip() or None
        require(
            basis != "business_transfer" or opinion is not None,
            f"{where}.legal_opinion",
            "basis business_transfer needs the reference of the legal opinion that supports "
            "treating the sale as an Art. 22 transfer (GB/T 35273-2020 s. 9.3)",
        )
        return cls(basis, path, opinion)


_CB_EXEMPTIONS = ("contract", "hr", "emergency")
_CB_CHOICES = ("standard_contract", "certification")


@dataclass(frozen=True)
class CrossborderSpec:
    """``policy.crossborder``: the seller's answers that decide the PIPL export mechanism
    (:mod:`migration_kit.scoping.crossborder`).

    Parameters
    ----------
    critical_infrastructure : bool
        The seller operates critical information infrastructure (PIPL Art. 40).
    important_data : bool
        The export includes important data (Data Security Law Art. 31).
    exemption : {'contract', 'hr', 'emergency'} or None
        An Art. 5 exemption of the 2024 Provisions the seller relies on.
    mechanism : {'standard_contract', 'certification'}
        What the seller uses where Art. 8 leaves the choice.

    Example
    -------
    >>> CrossborderSpec.from_dict({"mechanism": "contract"})
    Traceback (most recent call last):
    migration_kit.errors.ParamsError: policy.crossborder.mechanism: received 'contract' (did ...
    """

    critical_infrastructure: bool = False
    important_data: bool = False
    exemption: str | None = None
    mechanism: str = "standard_contract"

    @classmethod
    def from_dict(cls, data: Any, where: str = "policy.crossborder") -> CrossborderSpec:
        keys = ("critical_infrastructure", "important_data", "exemption", "mechanism")
        check_keys(data, keys, where)
        exemption = data.get("exemption")
        if exemption is not None:
            check_choice(exemption, _CB_EXEMPTIONS, f"{where}.exemption")
        return cls(
            critical_infrastructure=check_type(
                data.get("critical_infrastructure", False), bool, f"{where}.critical_infrastructure"
            ),
            important_data=check_type(
                data.get("important_data", False), bool, f"{where}.important_data"
            ),
            exemption=exemption,
            mechanism=check_choice(
                data.get("mechanism", "standard_contract"), _CB_CHOICES, f"{where}.mechanism"
            ),
        )


@dataclass(frozen=True)
class PolicySpec:
    """The scoping policy (params section ``policy:``).

    Parameters
    ----------
    transfer_date : date
        Reference date of the transfer (ages, retention, notice deadlines are computed from it).
    retention_years : int or None
        Customers with no activity for longer are excluded and destroyed; 0/None disables.
    minors : {'exclude', 'guardian_consent'}
        Customers under ``minor_age`` are excluded, or move only with recorded guardian consent.
    guardian_consents : Path or None
        CSV with columns ``source, record_id`` of records whose guardian consent is on file.
    original_purposes : tuple of str
        The seller's purposes at collection (a list, or a mapping purpose -> ``{method: ...}``
        giving the processing method each was collected for).
    purposes : dict
        Buyer purpose -> canonical fields it needs (a list, or ``{fields: [...], method: ...}``);
        fields no purpose needs are not exported. A purpose is new when it is not an original one,
        or when its method differs from the original purpose's: a field needed only by new
        purposes is held back until re-consent (PIPL Art. 14, 22).
    consent_purposes : tuple of str
        Purposes that rest on the customer's own consent (``marketing``): a field only they need
        travels only for customers whose marketing consent is on record.
    sensitive_fields : tuple of str
        Sensitive personal information (PIPL Art. 28); exported only when a purpose needs it.
    destroy : dict
        Reason code -> destroy the excluded records (overrides the rule's default, e.g. when a
        retention law requires the seller to keep withdrawn-consent records).
    children_sources : tuple of str
        Sources aimed at children (school and club accounts): a customer with a record there and
        no birth date or ID number is held for a guardian check (``HELD_AGE_UNKNOWN``).
    crossborder : CrossborderSpec
        The seller's answers that decide the PIPL export mechanism.
    crossborder_reference : str or None
        The filing or approval number of that mechanism (standard contract filing, certificate,
        CAC assessment); the run stops before the handover while one is needed and missing.
    requests : RequestsSpec
        How requests that match no record are resolved (hand matches, overrides):
        :mod:`migration_kit.scoping.requests`.
    minor_age : int, optional
        Age under which a customer is a minor (default 14, PIPL Art. 28/31).
    notification : mapping, optional
        Notice languages, templates and the send log (see ``policy.notification``).
    eu_countries : list of str, optional
        ISO2 codes treated as EEA residents (GDPR Art. 14 notices).
    adequacy_countries : list of str, optional
        ISO2 codes with an EU adequacy decision.
    asset_sale : mapping, optional
        The legal basis of an asset sale (see ``policy.asset_sale``).
    notice_days : int, optional
        Days before the transfer date by which notices must go out.
    crossborder_prior : mapping, optional
        ``individuals`` and ``sensitive_individuals`` already sent abroad this calendar year
        (counted towards the thresholds).

    Example
    -------
    >>> PolicySpec.from_dict({"transfer_date": "2026-12-31", "minor_agee": 14})
    Traceback (most recent call last):
    migration_kit.errors.ParamsError: policy.minor_agee: unknown key 'minor_agee' ...
    """

    transfer_date: dt.date | None
    retention_years: int | None = 3
    minors: str = "exclude"
    minor_age: int = 14
    guardian_consents: Path | None = None
    original_purposes: tuple[str, ...] = (
        "order_fulfilment",
        "membership",
        "after_sales",
        "marketing",
    )
    purposes: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_PURPOSES))
    purpose_methods: Mapping[str, str | None] = field(default_factory=dict)
    original_methods: Mapping[str, str | None] = field(default_factory=dict)
    consent_purposes: tuple[str, ...] = ("marketing",)
    sensitive_fields: tuple[str, ...] = _SENSITIVE_DEFAULT
    notification: NotificationSpec = field(default_factory=NotificationSpec)
    eu_countries: tuple[str, ...] = EU_EEA_COUNTRIES
    adequacy_countries: tuple[str, ...] = ADEQUACY_COUNTRIES
    asset_sale: AssetSaleSpec = field(default_factory=AssetSaleSpec)
    notice_days: int = 30
    crossborder_prior: Mapping[str, int] = field(
        default_factory=lambda: {"individuals": 0, "sensitive_individuals": 0}
    )
    destroy: Mapping[str, bool] = field(default_factory=dict)
    requests: RequestsSpec = field(default_factory=RequestsSpec)
    children_sources: tuple[str, ...] = ()
    crossborder: CrossborderSpec = field(default_factory=CrossborderSpec)
    crossborder_reference: str | None = None

    KEYS = (
        "transfer_date",
        "retention_years",
        "minors",
        "minor_age",
        "guardian_consents",
        "original_purposes",
        "purposes",
        "consent_purposes",
        "sensitive_fields",
        "notification",
        "eu_countries",
        "adequacy_countries",
        "asset_sale",
        "notice_days",
        "crossborder_prior",
        "destroy",
        "requests",
        "children_sources",
        "crossborder",
        "crossborder_reference",
    )

    @classmethod
    def default(cls) -> PolicySpec:
        """Defaults everywhere; ``transfer_date`` unset (``decide`` refuses to run without it)."""
        return cls(transfer_date=None)

    @classmethod
    def from_dict(
        cls, data: Any, where: str = "policy", base_dir: Path | None = None
    ) -> PolicySpec:
        """Build and validate the policy from its params mapping (paths relative to
        ``base_dir``)."""
        if isinstance(data, Mapping) and "asset_sale_basis" in data:
            raise ParamsError(
                f"{where}.asset_sale_basis",
                "replaced by policy.asset_sale (basis, consent_register, legal_opinion): "
                "marketing consent and recent activity do not count as consent to an asset sale "
                "(PIPL Art. 23; Civil Code Art. 555)",
            )
        check_keys(data, cls.KEYS, where, required=("transfer_date",))
        kw: dict[str, Any] = {
            "transfer_date": _date(data["transfer_date"], f"{where}.transfer_date")
        }
        if "retention_years" in data:
            ry = data["retention_years"]
            if ry is not None:
                check_type(ry, int, f"{where}.retention_years")
                require(
                    ry >= 0,
                    f"{where}.retention_years",
                    f"received {ry}; expected 0 (off) or a number of years",
                )
            kw["retention_years"] = ry or None
        kw["minors"] = check_choice(data.get("minors", "exclude"), _MINOR_MODES, f"{where}.minors")
        age = check_type(data.get("minor_age", 14), int, f"{where}.minor_age")
        require(
            0 < age < 30,
            f"{where}.minor_age",
            f"received {age}; expected an age in years such as 14",
        )
        kw["minor_age"] = age
        gc = data.get("guardian_consents")
        kw["guardian_consents"] = optional_file(
            data, "guardian_consents", where, base_dir, "a CSV with columns source, record_id"
        )
        require(
            kw["minors"] != "guardian_consent" or gc is not None,
            f"{where}.guardian_consents",
            "minors: guardian_consent needs guardian_consents: "
            "<CSV of source, record_id with consent on file>",
        )
        if "original_purposes" in data:
            op = data["original_purposes"]
            if isinstance(op, Mapping):  # purpose -> {method: ...}
                kw["original_purposes"] = tuple(str(p) for p in op)
                kw["original_methods"] = {
                    str(p): _method(m, f"{where}.original_purposes.{p}") for p, m in op.items()
                }
            else:
                kw["original_purposes"] = _str_list(op, f"{where}.original_purposes")
        if "purposes" in data:
            check_type(data["purposes"], dict, f"{where}.purposes")
            require(
                len(data["purposes"]) > 0,
                f"{where}.purposes",
                "no purpose listed; list the buyer's purposes",
            )
            purposes, methods = {}, {}
            for p, spec in data["purposes"].items():
                w = f"{where}.purposes.{p}"
                if isinstance(spec, Mapping):  # {fields: [...], method: ...}
                    check_keys(spec, ("fields", "method"), w, required=("fields",))
                    purposes[str(p)] = _str_list(spec["fields"], f"{w}.fields", CANONICAL_FIELDS)
                    methods[str(p)] = _method(spec, w)
                else:
                    purposes[str(p)] = _str_list(spec, w, CANONICAL_FIELDS)
            kw["purposes"], kw["purpose_methods"] = purposes, methods
        if "consent_purposes" in data:
            kw["consent_purposes"] = _str_list(
                data["consent_purposes"], f"{where}.consent_purposes"
            )
        if "sensitive_fields" in data:
            kw["sensitive_fields"] = _str_list(
                data["sensitive_fields"], f"{where}.sensitive_fields", CANONICAL_FIELDS
            )
        if "notification" in data:
            kw["notification"] = NotificationSpec.from_dict(
                data["notification"], f"{where}.notification", base_dir
            )
        for key in ("eu_countries", "adequacy_countries"):
            if key in data:
                codes = _str_list(data[key], f"{where}.{key}")
                for i, c in enumerate(codes):
                    require(
                        len(c) == 2 and c.isalpha(),
                        f"{where}.{key}[{i}]",
                        f"received {c!r}; expected ISO2 like DE",
                    )
                kw[key] = tuple(c.upper() for c in codes)
        if "asset_sale" in data:
            kw["asset_sale"] = AssetSaleSpec.from_dict(
                data["asset_sale"], f"{where}.asset_sale", base_dir
            )
        if "notice_days" in data:
            kw["notice_days"] = check_type(data["notice_days"], int, f"{where}.notice_days")
        if "crossborder_prior" in data:
            cp = data["crossborder_prior"]
            check_keys(cp, ("individuals", "sensitive_individuals"), f"{where}.crossborder_prior")
            kw["crossborder_prior"] = {
                k: check_type(cp.get(k, 0), int, f"{where}.crossborder_prior.{k}")
                for k in ("individuals", "sensitive_individuals")
            }
        if "destroy" in data:
            check_type(data["destroy"], dict, f"{where}.destroy")
            kw["destroy"] = {
                check_choice(k, RULE_CODES, f"{where}.destroy.{k}"): check_type(
                    v, bool, f"{where}.destroy.{k}"
                )
                for k, v in data["destroy"].items()
            }
        if "children_sources" in data:
            kw["children_sources"] = _str_list(
                data["children_sources"], f"{where}.children_sources"
            )
        if "crossborder" in data:
            kw["crossborder"] = CrossborderSpec.from_dict(
                data["crossborder"], f"{where}.crossborder"
            )
        if data.get("crossborder_reference") is not None:
            ref = str(data["crossborder_reference"]).strip()
            require(
                bool(ref),
                f"{where}.crossborder_reference",
                "received an empty value; give the filing or approval number",
            )
            kw["crossborder_reference"] = ref
        if "requests" in data:
            kw["requests"] = RequestsSpec.from_dict(data["requests"], f"{where}.requests", base_dir)
        return cls(**kw)

    def new_purposes(self) -> tuple[str, ...]:
        """Buyer purposes outside the seller's original ones, by name or by processing method.

        Example
        -------
        >>> p = PolicySpec(transfer_date=None, purposes={"shop": ("phone",), "ads": ("phone",)},
        ...                purpose_methods={"shop": "profiling"}, original_purposes=("shop",),
        ...                original_methods={"shop": "order handling"})
        >>> p.new_purposes()
        ('shop', 'ads')
        """
        out = []
        for p in self.purposes:
            method = self.purpose_methods.get(p)
            if p not in self.original_purposes or (
                method is not None and method != self.original_methods.get(p)
            ):
                out.append(p)
        return tuple(out)

    def field_plan(self, available: list[str] | tuple[str, ...]) -> pd.DataFrame:
        """Data minimisation: which of the ``available`` canonical fields are exported, and why.

        Returns a DataFrame ``field, exported, sensitive, purposes, condition, reason`` in
        canonical order; a field is exported only when a buyer purpose the customers consented to
        at collection needs it (a field only new purposes need is held back until re-consent).
        ``condition`` is ``marketing_consent`` for a field only consent-based purposes
        (``consent_purposes``) need: it travels only for customers who consented.

        Example
        -------
        >>> p = PolicySpec(transfer_date=None, purposes={"shop": ("phone",), "kyc": ("id_number",)},
        ...                original_purposes=("shop",))
        >>> p.field_plan(["phone", "id_number"])[["field", "exported"]].values.tolist()
        [['phone', True], ['id_number', False]]
        >>> p.field_plan(["id_number"])["reason"].iloc[0][:50]
        'sensitive (PIPL Art. 28 (specific identity); GB/T '
        >>> "needed only by new purpose(s) kyc" in p.field_plan(["id_number"])["reason"].iloc[0]
        True
        """
        import pandas as pd

        rows = []
        new = set(self.new_purposes())
        for f in (c for c in CANONICAL_FIELDS if c in set(available)):
            needed = [p for p, fields in self.purposes.items() if f in fields]
            lawful = [p for p in needed if p not in new]
            only_consent = bool(lawful) and all(p in self.consent_purposes for p in lawful)
            condition = "marketing_consent" if only_consent and f != "marketing_consent" else ""
            sensitive = f in self.sensitive_fields
            default, source = FIELD_SENSITIVITY[f]
            if sensitive != (default == "sensitive"):  # the DPO decided otherwise: say so
                level = "sensitive" if sensitive else "ordinary"
                tag = f"{level} by policy.sensitive_fields (default {default}: {source}); "
            else:
                tag = f"sensitive ({source}); " if sensitive else ""
            if lawful:
                reason = f"{tag}needed by {', '.join(lawful)}"
                if condition:
                    reason += " only: travels for customers whose marketing consent is on record"
            elif needed:
                reason = (
                    f"{tag}needed only by new purpose(s) {', '.join(needed)}: held back until "
                    "the customers consent (PIPL Art. 14, 22; GDPR Art. 6(4))"
                )
            else:
                reason = f"{tag}not needed by any buyer purpose: dropped {_MINIMISATION}"
            rows.append(
                {
                    "field": f,
                    "exported": bool(lawful),
                    "sensitive": sensitive,
                    "purposes": ";".join(needed),
                    "condition": condition,
                    "reason": reason,
                }
            )
        columns = ["field", "exported", "sensitive", "purposes", "condition", "reason"]
        return pd.DataFrame(rows, columns=columns)

    def require_date(self) -> dt.date:
        """The transfer date, or a ScopingError-worthy ParamsError when it is not set."""
        if self.transfer_date is None:
            raise ParamsError(
                "policy.transfer_date",
                "required key is missing; add e.g. transfer_date: 2026-12-31",
            )
        return self.transfer_date
