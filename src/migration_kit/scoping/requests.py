"""Every erasure, withdrawal and opt-out request accounted for, and a handover that stops while one
is not.

A request is ``matched`` when an identifier of it is on some record
(:func:`~migration_kit.scoping.suppression.request_matches`, validity-agnostic). One that matches
nothing (``unmatched``) or has no identifier at all (``unusable``) cannot be shown to be honoured,
so the run stops before the handover (:func:`check_requests`) until a person resolves it, in the
params section ``policy.requests`` (:class:`RequestsSpec`):

* ``resolutions``: a CSV of ``request_id, source, record_id``: the request matched by hand to a
  record; it then applies to that record's customer like a matched one (``matched_by_hand``);
* ``overrides``: ``request_ids``, a ``reason`` and ``approved_by``: the request is accepted as
  having no customer in these exports (``overridden``); the override goes into the audit log.

Example
-------
>>> spec = RequestsSpec.from_dict({"overrides": [{"request_ids": ["R2"], "reason": "not a customer",
...     "approved_by": "DPO Zhang"}]}, "policy.requests", None)
>>> status = pd.DataFrame({"request_id": ["R1", "R2"], "request_type": ["erasure"] * 2,
...                        "status": ["matched", "unmatched"], "records": [1, 0]})
>>> request_status(status, spec, None)["status"].tolist()
['matched', 'overridden']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .._spec import check_keys, check_type, optional_file, require
from ..artifacts import ARTIFACTS
from ..errors import LawfulnessError

__all__ = [
    "OPEN_STATUSES",
    "REQUEST_STATUSES",
    "RequestOverride",
    "RequestsSpec",
    "check_requests",
    "read_resolutions",
    "request_status",
]

#: Every status a request can end in.
REQUEST_STATUSES = ("matched", "matched_by_hand", "overridden", "unmatched", "unusable")
#: The statuses that stop the handover.
OPEN_STATUSES = ("unmatched", "unusable")
_RESOLUTION_COLUMNS = ("request_id", "source", "record_id")


@dataclass(frozen=True)
class RequestOverride:
    """Requests accepted, by a named person for a stated reason, as naming no customer here.

    Parameters
    ----------
    request_ids : list of str
        The requests accepted as naming no customer here.
    reason : str
        Why (written to the audit log).
    approved_by : str
        Who approved it (written to the audit log).
    """

    request_ids: tuple[str, ...]
    reason: str
    approved_by: str

    @classmethod
    def from_dict(cls, data: Any, where: str) -> RequestOverride:
        keys = ("request_ids", "reason", "approved_by")
        check_keys(data, keys, where, required=keys)
        ids = check_type(data["request_ids"], list, f"{where}.request_ids")
        require(bool(ids), f"{where}.request_ids", "received an empty list; name the requests")
        texts = {}
        for key in ("reason", "approved_by"):
            v = check_type(data[key], str, f"{where}.{key}")
            require(
                bool(v.strip()),
                f"{where}.{key}",
                "received an empty value; an override needs a reason and who approved it",
            )
            texts[key] = v.strip()
        return cls(tuple(str(i) for i in ids), texts["reason"], texts["approved_by"])


@dataclass(frozen=True)
class RequestsSpec:
    """``policy.requests``: how requests that match no record are resolved.

    Parameters
    ----------
    resolutions : str, optional
        CSV of ``request_id, source, record_id``: requests a person matched to a record by hand.
    overrides : list of mappings, optional
        Requests accepted as naming no customer (``request_ids``, ``reason``, ``approved_by``).
    """

    resolutions: Path | None = None
    overrides: tuple[RequestOverride, ...] = ()

    @classmethod
    def from_dict(cls, data: Any, where: str, base_dir: Path | None) -> RequestsSpec:
        data = {} if data is None else data
        check_type(data, Mapping, where)
        check_keys(data, ("resolutions", "overrides"), where)
        path = optional_file(
            data,
            "resolutions",
            where,
            base_dir,
            f"a CSV with columns {', '.join(_RESOLUTION_COLUMNS)}",
        )
        items = check_type(data.get("overrides") or [], list, f"{where}.overrides")
        overrides = tuple(
            RequestOverride.from_dict(o, f"{where}.overrides[{i}]") for i, o in enumerate(items)
        )
        return cls(path, overrides)

    def override_for(self, request_id: str) -> RequestOverride | None:
        return next((o for o in self.overrides if request_id in o.request_ids), None)


def read_resolutions(spec: RequestsSpec, requests: pd.DataFrame) -> pd.DataFrame | None:
    """The resolutions file with each request's type (``request_id, request_type, source,
    record_id``); a row naming an unknown request is an error.

    Example
    -------
    >>> read_resolutions(RequestsSpec(), pd.DataFrame()) is None
    True
    """
    if spec.resolutions is None:
        return None
    res = pd.read_csv(spec.resolutions, dtype=str, keep_default_na=False)
    missing = [c for c in _RESOLUTION_COLUMNS if c not in res.columns]
    if missing:
        raise LawfulnessError(
            f"{spec.resolutions}: missing column(s) {', '.join(missing)}; expected "
            f"{', '.join(_RESOLUTION_COLUMNS)} (one row per request matched by hand)"
        )
    types = dict(zip(requests["request_id"], requests["request_type"], strict=True))
    unknown = [r for r in res["request_id"] if r not in types]
    if unknown:
        raise LawfulnessError(
            f"{spec.resolutions}: request_id {unknown[0]!r} (and {len(unknown) - 1} more) is not "
            "on the suppression list; fix the id or remove the row"
        )
    return res.assign(request_type=res["request_id"].map(types))[
        ["request_id", "request_type", "source", "record_id"]
    ]


def request_status(
    status: pd.DataFrame, spec: RequestsSpec, resolutions: pd.DataFrame | None
) -> pd.DataFrame:
    """Apply the hand matches and overrides to the automatic ``status`` (``request_id,
    request_type, status, records``): returns the same table with the final status and
    ``override_reason, approved_by``."""
    out = status.copy()
    by_hand = set() if resolutions is None else set(resolutions["request_id"])
    final, reasons, approvers = [], [], []
    for rid, st in zip(out["request_id"], out["status"], strict=True):
        ov = spec.override_for(str(rid)) if st in OPEN_STATUSES else None
        if st in OPEN_STATUSES and rid in by_hand:
            st = "matched_by_hand"
        elif ov is not None:
            st = "overridden"
        final.append(st)
        reasons.append(ov.reason if ov and st == "overridden" else "")
        approvers.append(ov.approved_by if ov and st == "overridden" else "")
    out["status"] = final
    out["override_reason"] = reasons
    out["approved_by"] = approvers
    return out


def check_requests(status: pd.DataFrame) -> None:
    """Raise :class:`~migration_kit.errors.LawfulnessError` (one line) while a request is open.

    Example
    -------
    >>> check_requests(pd.DataFrame({"request_id": ["R1"], "request_type": ["erasure"],
    ...                              "status": ["unusable"]}))
    Traceback (most recent call last):
    ...
    migration_kit.errors.LawfulnessError: handover stopped (PIPL Art. 47; GDPR Art. 17): ...
    """
    open_ = status[status["status"].isin(OPEN_STATUSES)]
    if open_.empty:
        return
    counts = open_["status"].value_counts()
    parts = []
    if counts.get("unmatched", 0):
        parts.append(f"{counts['unmatched']} match no record")
    if counts.get("unusable", 0):
        parts.append(f"{counts['unusable']} carry no usable phone, e-mail or ID number")
    first = ", ".join(open_["request_id"].astype(str).head(5))
    n = len(open_)
    raise LawfulnessError(
        f"handover stopped (PIPL Art. 47; GDPR Art. 17): {n} request{'s' if n > 1 else ''} "
        f"cannot be shown to be honoured ({'; '.join(parts)}; first: {first}); match each to "
        "its record in the CSV named by policy.requests.resolutions (request_id, source, "
        "record_id), or override it under policy.requests.overrides with request_ids, reason "
        f"and approved_by; see {ARTIFACTS['suppression_requests'].path}"
    )
