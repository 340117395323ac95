"""The params file: one YAML per client, validated into typed, frozen objects.

Every stage and every client run reads its settings from here. Validation happens when the
objects are built: unknown keys, unknown canonical fields, bad choices, missing files and
duplicate source names fail with a :class:`~migration_kit.errors.ParamsError` naming the key,
the value received and the allowed values.

Sections owned by later stages (``policy``, ``linkage``, ``golden``, ``quality``, ``keys``) are
parsed by those stages' own spec classes, registered in :data:`SECTION_PARSERS`.

Example
-------
>>> p = load_params("params/rehearsal.yaml")          # doctest: +SKIP
>>> p.client, [s.name for s in p.sources]            # doctest: +SKIP
('rehearsal', ['pos', 'web', 'school', 'overseas'])
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ._spec import check_choice, check_keys, check_type, closest, require
from .errors import ParamsError
from .schema import CANONICAL_FIELDS

__all__ = [
    "DATE_ORDERS",
    "DEAL_TYPES",
    "FORMATS",
    "SECTION_PARSERS",
    "Deal",
    "Params",
    "Party",
    "SourceSpec",
    "SuppressionSpec",
    "load_params",
    "parse_params",
]

DEAL_TYPES = ("merger", "division", "asset_sale", "share_sale")
FORMATS = ("csv", "xlsx", "parquet")
DATE_ORDERS = ("YMD", "MDY", "DMY")
SUPPRESSION_FIELDS = ("phone", "email", "id_number")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
}

#: Params sections parsed by a stage's own spec class: section -> (module, class). Each class has
#: ``from_dict(data, where, base_dir=...)`` (``base_dir`` only where paths occur) and ``default()``.
SECTION_PARSERS: dict[str, tuple[str, str]] = {
    "policy": ("migration_kit.scoping.policy", "PolicySpec"),
    "linkage": ("migration_kit.linkage.spec", "LinkageSpec"),
    "golden": ("migration_kit.linkage.survivorship", "SurvivorshipSpec"),
    "quality": ("migration_kit.quality.spec", "QualitySpec"),
    "keys": ("migration_kit.handover.keys", "KeysSpec"),
}
_TOP_KEYS = ("client", "deal", "sources", "suppression", *SECTION_PARSERS)


@dataclass(frozen=True)
class Party:
    """A party to the deal: who they are and how customers reach them."""

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
    """The transaction: its type decides the legal basis of the transfer (PIPL Art. 22 / 23)."""

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


def _columns(data: Any, where: str, allowed: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    check_type(data, dict, where)
    require(len(data) > 0, where, "no columns mapped; map at least one canonical field to a column")
    out: dict[str, tuple[str, ...]] = {}
    for key, value in data.items():
        if key not in allowed:
            hint = closest(str(key), allowed)
            raise ParamsError(
                f"{where}.{key}",
                f"unknown canonical field {key!r}"
                + (f" (did you mean {hint!r}?)" if hint else "")
                + f"; known fields: {', '.join(allowed)}",
            )
        cols = [value] if isinstance(value, str) else value
        require(
            isinstance(cols, list) and cols and all(isinstance(c, str) and c.strip() for c in cols),
            f"{where}.{key}",
            f"received {value!r}; expected a column name or a list of column names",
        )
        out[key] = tuple(c.strip() for c in cols)
    return out


def _path(value: Any, where: str, base_dir: Path) -> Path:
    check_type(value, str, where)
    path = (base_dir / value).resolve()
    if not path.exists():
        raise ParamsError(
            where,
            f"file not found: {path} (paths are relative to the params file's folder {base_dir})",
        )
    if not path.is_file():
        raise ParamsError(where, f"not a file: {path}")
    return path


def _format(data: Mapping[str, Any], path: Path, where: str) -> str:
    fmt = data.get("format")
    if fmt is None:
        fmt = _EXTENSIONS.get(path.suffix.lower())
        require(
            fmt is not None,
            f"{where}.format",
            f"cannot tell the format of {path.name} from its extension; set format to one of {', '.join(FORMATS)}",
        )
        return fmt
    return check_choice(fmt, FORMATS, f"{where}.format")


@dataclass(frozen=True)
class SourceSpec:
    """One seller export and how its columns map onto the canonical schema."""

    name: str
    path: Path
    format: str
    id_column: str
    columns: dict[str, tuple[str, ...]]
    encoding: str | None = None
    sheet: str | None = None
    date_order: str = "YMD"
    default_country: str | None = None
    delimiter: str | None = None
    transfer_unmapped: tuple[str, ...] = ()

    KEYS = (
        "name",
        "path",
        "format",
        "encoding",
        "sheet",
        "date_order",
        "id_column",
        "columns",
        "default_country",
        "delimiter",
        "transfer_unmapped",
    )

    @classmethod
    def from_dict(cls, data: Any, where: str, base_dir: Path) -> SourceSpec:
        check_keys(data, cls.KEYS, where, required=("name", "path", "id_column", "columns"))
        name = check_type(data["name"], str, f"{where}.name")
        require(
            bool(_SLUG.match(name)),
            f"{where}.name",
            f"received {name!r}; expected a short lowercase name (letters, digits, - or _)",
        )
        path = _path(data["path"], f"{where}.path", base_dir)
        country = data.get("default_country")
        if country is not None:
            require(
                isinstance(country, str) and len(country) == 2,
                f"{where}.default_country",
                f"received {country!r}; expected an ISO 3166 alpha-2 code such as CN",
            )
        unmapped = data.get("transfer_unmapped") or []
        require(
            isinstance(unmapped, list) and all(isinstance(c, str) for c in unmapped),
            f"{where}.transfer_unmapped",
            f"received {unmapped!r}; expected a list of column names",
        )
        return cls(
            name=name,
            path=path,
            format=_format(data, path, where),
            id_column=str(check_type(data["id_column"], (str, int), f"{where}.id_column")).strip(),
            columns=_columns(data["columns"], f"{where}.columns", CANONICAL_FIELDS),
            encoding=data.get("encoding"),
            sheet=None if data.get("sheet") is None else str(data["sheet"]),
            date_order=check_choice(
                data.get("date_order", "YMD"), DATE_ORDERS, f"{where}.date_order"
            ),
            default_country=country.upper() if country else None,
            delimiter=data.get("delimiter"),
            transfer_unmapped=tuple(unmapped),
        )


@dataclass(frozen=True)
class SuppressionSpec:
    """A list of withdrawn-consent / erasure requests, matched on any listed field."""

    path: Path
    format: str
    columns: dict[str, tuple[str, ...]]
    encoding: str | None = None
    sheet: str | None = None
    id_column: str | None = None
    request_column: str | None = None
    default_request_type: str = "erasure"

    KEYS = (
        "path",
        "format",
        "encoding",
        "sheet",
        "id_column",
        "request_column",
        "default_request_type",
        "columns",
    )
    REQUEST_TYPES = ("erasure", "withdrawn_consent")

    @classmethod
    def from_dict(cls, data: Any, where: str, base_dir: Path) -> SuppressionSpec:
        check_keys(data, cls.KEYS, where, required=("path", "columns"))
        path = _path(data["path"], f"{where}.path", base_dir)
        return cls(
            path=path,
            format=_format(data, path, where),
            columns=_columns(data["columns"], f"{where}.columns", SUPPRESSION_FIELDS),
            encoding=data.get("encoding"),
            sheet=None if data.get("sheet") is None else str(data["sheet"]),
            id_column=data.get("id_column"),
            request_column=data.get("request_column"),
            default_request_type=check_choice(
                data.get("default_request_type", "erasure"),
                cls.REQUEST_TYPES,
                f"{where}.default_request_type",
            ),
        )


@dataclass(frozen=True)
class Params:
    """A validated params file. ``sections`` holds the stage-owned specs (policy, linkage, ...)."""

    client: str
    deal: Deal
    sources: tuple[SourceSpec, ...]
    suppression: tuple[SuppressionSpec, ...]
    sections: dict[str, Any] = field(default_factory=dict)
    file: Path | None = None
    sha256: str = ""

    @property
    def base_dir(self) -> Path:
        return self.file.parent if self.file else Path.cwd()

    @property
    def policy(self) -> Any:
        return self.sections["policy"]

    @property
    def linkage(self) -> Any:
        return self.sections["linkage"]

    @property
    def golden(self) -> Any:
        return self.sections["golden"]

    @property
    def quality(self) -> Any:
        return self.sections["quality"]

    @property
    def keys(self) -> Any:
        return self.sections["keys"]


def _parse_section(name: str, data: Any, base_dir: Path) -> Any:
    module_name, class_name = SECTION_PARSERS[name]
    cls = getattr(importlib.import_module(module_name), class_name)
    if data is None:
        # no keys section: a rehearsal, which makes throw-away keys in its run folder
        return None if name == "keys" else cls.default()
    if "base_dir" in inspect.signature(cls.from_dict).parameters:  # sections that hold paths
        return cls.from_dict(data, where=name, base_dir=base_dir)
    return cls.from_dict(data, where=name)


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
            bool(_SLUG.match(client)),
            "client",
            f"received {client!r}; expected a slug (lowercase letters, digits, - or _), e.g. acme-sports",
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
                    f"duplicate source name {src.name!r} (also sources[{seen[src.name]}]); give each source a unique name",
                )
            seen[src.name] = i
        supp_raw = data.get("suppression") or []
        check_type(supp_raw, list, "suppression")
        suppression = tuple(
            SuppressionSpec.from_dict(s, f"suppression[{i}]", base_dir)
            for i, s in enumerate(supp_raw)
        )
        sections = {
            name: _parse_section(name, data.get(name), base_dir) for name in SECTION_PARSERS
        }
    except ParamsError as exc:
        if file is not None and exc.file is None:
            raise ParamsError(exc.where, exc.detail, file=str(file)) from None
        raise
    return Params(
        client=client,
        deal=deal,
        sources=sources,
        suppression=suppression,
        sections=sections,
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
