"""The three file-exchange steps of ``migration-kit overlap`` and the message files they pass.

1. **request** (buyer): its tokens per subset of identifier kinds, blinded with its key
   (:func:`make_request`); the key stays with the buyer.
2. **answer** (seller): its own tokens blinded with a key made for this answer and forgotten
   after it, and the buyer's points re-blinded, sorted (:func:`make_answer`).
3. **result** (buyer): the counts (:func:`read_result`).

A message file is ``MKOVERLAP\\n``, a 4-byte big-endian header length, the header (canonical JSON:
format, version, step, request id, party labels and roles, set sizes per subset, customers, the
identifier kinds, the PSI library, curve and data structure, each section's element count, the
payload's SHA-256) and the payload: 33-byte compressed P-256 points, section after section. No
plaintext identifier and no hash of one is in it. Reading checks all of it and names what is
wrong (:class:`~migration_kit.errors.OverlapMessageError`).

Example
-------
>>> import pandas as pd, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> buyer = pd.DataFrame({"phone": ["+8613800000001", "+8613800000002"], "email": [None, None],
...                       "id_number": [None, None], "name_birth": [None, None]})
>>> seller = buyer.iloc[[1]].reset_index(drop=True)
>>> key = psi.new_key()
>>> req = make_request(buyer, d / "req.mkov", buyer="B", key=key)
>>> _ = make_answer(d / "req.mkov", seller, d / "ans.mkov", seller="S")
>>> read_result(d / "ans.mkov", req, key).per_identifier["phone"]
1
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import struct
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import OverlapMessageError
from ..runfolder import atomic_path
from . import psi
from .estimate import SUBSET_NAMES, bounds, inclusion_exclusion
from .identifiers import (
    KINDS,
    SUBSETS,
    Identifiers,
    as_identifiers,
    extra_values,
    local_ambiguity,
    subset_name,
    subset_tokens,
)

__all__ = [
    "FORMAT",
    "MAGIC",
    "METHOD",
    "VERSION",
    "Message",
    "OverlapResult",
    "RequestRecord",
    "make_answer",
    "make_request",
    "read_message",
    "read_result",
    "write_message",
]

MAGIC = b"MKOVERLAP\n"
FORMAT = "migration-kit overlap"
VERSION = 1
METHOD = (
    "ECDH PSI cardinality (openmined.psi, P-256, Raw: exact) per identifier and per combination "
    "of identifiers; combined by inclusion-exclusion over the 15 combinations"
)
_HEADER_MAX = 1 << 20

#: A JSON value of a message header.
JSONValue = str | int | float | bool | None | list["JSONValue"] | dict[str, "JSONValue"]


@dataclass(frozen=True)
class Message:
    """A message file read back: its header and its sections of points."""

    header: dict[str, JSONValue]
    sections: dict[str, list[bytes]]


@dataclass(frozen=True)
class RequestRecord:
    """What the buyer keeps of its request (in its run folder's reports; no key, no token)."""

    request_id: str
    sha256: str
    buyer: str
    customers: int
    set_sizes: dict[str, int]
    ambiguity: dict[str, int]
    extra: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, JSONValue]:
        """As JSON (the request step writes it to ``reports/overlap_request.json``).

        Example
        -------
        >>> RequestRecord("r", "h", "B", 1, {}, {}).to_dict()["customers"]
        1
        """
        return dict(asdict(self))

    @classmethod
    def from_dict(cls, data: Mapping[str, JSONValue]) -> RequestRecord:
        """Read back :meth:`to_dict` (a record written by the request step).

        Example
        -------
        >>> r = RequestRecord("r", "h", "B", 1, {"phone": 1}, {"phone": 0})
        >>> RequestRecord.from_dict(r.to_dict()) == r
        True
        """
        return cls(
            request_id=str(data["request_id"]),
            sha256=str(data["sha256"]),
            buyer=str(data["buyer"]),
            customers=int(data["customers"]),  # type: ignore[arg-type]
            set_sizes={str(k): int(v) for k, v in dict(data["set_sizes"]).items()},  # type: ignore[arg-type]
            ambiguity={str(k): int(v) for k, v in dict(data["ambiguity"]).items()},  # type: ignore[arg-type]
            extra={str(k): int(v) for k, v in dict(data.get("extra") or {}).items()},  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class OverlapResult:
    """The buyer's result: counts only."""

    request_id: str
    buyer: str
    seller: str
    buyer_customers: int
    seller_customers: int
    per_identifier: dict[str, int]
    per_subset: dict[str, int]
    combined: int
    combined_low: int
    combined_high: int
    buyer_set_sizes: dict[str, int]
    seller_set_sizes: dict[str, int]
    buyer_ambiguity: dict[str, int]
    seller_ambiguity: dict[str, int]
    method: str = METHOD
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, JSONValue]:
        """As JSON (the result step writes it to ``reports/overlap_result.json``).

        Example
        -------
        >>> OverlapResult("x", "B", "S", 2, 3, {"phone": 1}, {"phone": 1}, 1, 1, 1,
        ...               {"phone": 2}, {"phone": 3}, {}, {}).to_dict()["combined"]
        1
        """
        return dict(asdict(self))

    def table(self) -> pd.DataFrame:
        """Per identifier and combined: shared, the buyer's and the seller's set sizes.

        Example
        -------
        >>> r = OverlapResult("x", "B", "S", 2, 3, {"phone": 1}, {"phone": 1}, 1, 1, 1,
        ...                   {"phone": 2}, {"phone": 3}, {}, {})
        >>> r.table()["shared"].tolist()
        [1, 1]
        """
        rows = [
            (k, self.per_identifier[k], self.buyer_set_sizes[k], self.seller_set_sizes[k])
            for k in self.per_identifier
        ]
        rows.append(
            ("at least one (customers)", self.combined, self.buyer_customers, self.seller_customers)
        )
        return pd.DataFrame(rows, columns=["identifier", "shared", "buyer_set", "seller_set"])


def _canonical(header: Mapping[str, JSONValue]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def write_message(
    path: Path, header: Mapping[str, JSONValue], sections: Mapping[str, list[bytes]]
) -> str:
    """Write a message file atomically; return its SHA-256.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.mkov"
    >>> len(write_message(p, {"step": "request"}, {"request/phone": [b"\\x02" * 33]}))
    64
    """
    names = list(sections)
    for name in names:
        bad = [e for e in sections[name] if len(e) != psi.ELEMENT_BYTES]
        if bad:
            raise OverlapMessageError(
                f"{path}: section {name}: a point of {len(bad[0])} bytes; "
                f"expected {psi.ELEMENT_BYTES}"
            )
    payload = b"".join(b"".join(sections[n]) for n in names)
    listing: list[JSONValue] = [[n, len(sections[n])] for n in names]
    full: dict[str, JSONValue] = {
        **header,
        "format": FORMAT,
        "version": VERSION,
        "element_bytes": psi.ELEMENT_BYTES,
        "sections": listing,
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
    }
    head = _canonical(full)
    with atomic_path(Path(path)) as tmp, open(tmp, "wb") as fh:
        fh.write(MAGIC + struct.pack(">I", len(head)) + head)
        fh.write(payload)
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_message(path: Path, *, step: str) -> Message:
    """Read and check a message file of ``step`` (``request`` or ``answer``).

    Raises
    ------
    OverlapMessageError
        Not a message file, another format version or step, sections that do not add up, or a
        payload whose SHA-256 is not the header's (altered in transit).

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.mkov"
    >>> _ = write_message(p, {"step": "request"}, {})
    >>> read_message(p, step="answer")
    Traceback (most recent call last):
    migration_kit.errors.OverlapMessageError: ...: this is the request message; expected the ...
    """
    path = Path(path)
    data = path.read_bytes()
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
        raise OverlapMessageError(
            f"{path}: not a migration-kit overlap message (it does not start with MKOVERLAP)"
        )
    (n,) = struct.unpack(">I", data[len(MAGIC) : len(MAGIC) + 4])
    start = len(MAGIC) + 4
    if n > _HEADER_MAX or start + n > len(data):
        raise OverlapMessageError(f"{path}: header length {n} runs past the file; truncated?")
    try:
        header = json.loads(data[start : start + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OverlapMessageError(
            f"{path}: the header is not JSON ({exc.__class__.__name__})"
        ) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise OverlapMessageError(f"{path}: header format is not {FORMAT!r}")
    if header.get("version") != VERSION:
        raise OverlapMessageError(
            f"{path}: message version {header.get('version')!r}; this kit reads version {VERSION}"
        )
    if header.get("step") != step:
        raise OverlapMessageError(
            f"{path}: this is the {header.get('step')} message; expected the {step} "
            f"(request: buyer -> seller, answer: seller -> buyer)"
        )
    payload = data[start + n :]
    if hashlib.sha256(payload).hexdigest() != header.get("payload_sha256"):
        raise OverlapMessageError(
            f"{path}: payload SHA-256 does not match the header's; the file was altered or "
            "truncated, ask for it again"
        )
    size = psi.ELEMENT_BYTES
    listing = header.get("sections")
    if header.get("element_bytes") != size or not (
        isinstance(listing, list)
        and all(
            isinstance(x, list)
            and len(x) == 2
            and isinstance(x[0], str)
            and isinstance(x[1], int)
            and x[1] >= 0
            for x in listing
        )
    ):
        raise OverlapMessageError(
            f"{path}: header sections must be [name, count] pairs of {size}-byte points"
        )
    sections: dict[str, list[bytes]] = {}
    pos = 0
    for name, count in listing:
        end = pos + int(count) * size
        sections[str(name)] = [payload[i : i + size] for i in range(pos, end, size)]
        pos = end
    if pos != len(payload):
        raise OverlapMessageError(f"{path}: sections hold {pos} bytes, the payload {len(payload)}")
    return Message(header=header, sections=sections)


def _tokens(ids: Identifiers) -> dict[str, list[str]]:
    return {subset_name(s): subset_tokens(ids, s) for s in SUBSETS}


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def make_request(
    table: pd.DataFrame | Identifiers,
    path: Path,
    *,
    buyer: str,
    key: bytes,
    seller: str | None = None,
    workers: int = 1,
) -> RequestRecord:
    """Step 1, the buyer: write the request to ``path`` and return what the buyer keeps.

    Parameters
    ----------
    table : pandas.DataFrame or Identifiers
        The buyer's :func:`~.identifiers.customer_identifiers` (or a wide
        :func:`~.identifiers.identifier_table`, one row per golden customer).
    path : Path
        The request file (sent to the seller).
    buyer : str
        The buyer's label in the messages.
    key : bytes
        The buyer's PSI key (:func:`.psi.new_key`); needed again for the result.
    seller : str, optional
        The seller's label, when known.
    workers : int
        Processes for the elliptic-curve work.

    Example
    -------
    >>> import tempfile, pathlib
    >>> t = pd.DataFrame({k: [None] for k in KINDS})
    >>> make_request(t, pathlib.Path(tempfile.mkdtemp()) / "r", buyer="B", key=psi.new_key()
    ...              ).set_sizes["phone"]
    0
    """
    ids = as_identifiers(table)
    tokens = _tokens(ids)
    blinded = psi.blind(tokens, key, workers)
    sizes = {n: len(v) for n, v in tokens.items()}
    request_id = secrets.token_hex(16)
    ambiguity = local_ambiguity(ids)
    header: dict[str, JSONValue] = {
        "step": "request",
        "request_id": request_id,
        "created": _now(),
        "from": {"role": "buyer", "party": buyer},
        "to": {"role": "seller", "party": seller},
        "kinds": list(KINDS),
        "subsets": list(SUBSET_NAMES),
        "customers": {"buyer": ids.customers},
        "set_sizes": {"buyer": dict(sizes)},
        "psi": {
            "library": f"{psi.LIBRARY} {_library_version()}",
            "curve": psi.CURVE,
            "data_structure": "raw",
            "fpr": 0.0,
            "reveals": "cardinality only",
        },
    }
    sha = write_message(path, header, {f"request/{n}": blinded[n] for n in SUBSET_NAMES})
    return RequestRecord(request_id, sha, buyer, ids.customers, sizes, ambiguity, extra_values(ids))


def _library_version() -> str:
    from private_set_intersection.python import __version__

    return str(__version__)


def _sizes(header: Mapping[str, JSONValue], who: str, path: Path) -> dict[str, int]:
    sizes = header.get("set_sizes")
    got = sizes.get(who) if isinstance(sizes, dict) else None
    if not isinstance(got, dict) or sorted(got) != sorted(SUBSET_NAMES):
        raise OverlapMessageError(
            f"{path}: set_sizes.{who} must name every subset of {list(KINDS)}"
        )
    return {str(k): int(v) for k, v in got.items()}  # type: ignore[arg-type]


def make_answer(
    request_path: Path,
    table: pd.DataFrame | Identifiers,
    path: Path,
    *,
    seller: str,
    workers: int = 1,
) -> dict[str, JSONValue]:
    """Step 2, the seller: answer the request at ``request_path`` into ``path``.

    The seller's key is made here and never leaves memory. Returns the answer's header (counts,
    sizes and the request id; what the seller learns is the buyer's set sizes).

    Example
    -------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> t = pd.DataFrame({k: [None] for k in KINDS})
    >>> _ = make_request(t, d / "r", buyer="B", key=psi.new_key())
    >>> make_answer(d / "r", t, d / "a", seller="S")["set_sizes"]["buyer"]["phone"]
    0
    """
    request_path = Path(request_path)
    msg = read_message(request_path, step="request")
    buyer_sizes = _sizes(msg.header, "buyer", request_path)
    for n in SUBSET_NAMES:
        if len(msg.sections.get(f"request/{n}", [])) != buyer_sizes[n]:
            raise OverlapMessageError(
                f"{request_path}: section request/{n} holds "
                f"{len(msg.sections.get(f'request/{n}', []))} points, the header says "
                f"{buyer_sizes[n]}"
            )
    ids = as_identifiers(table)
    tokens = _tokens(ids)
    setup, response = psi.answer(
        {n: msg.sections[f"request/{n}"] for n in SUBSET_NAMES}, tokens, workers
    )
    frm = msg.header.get("from")
    buyer = str(frm.get("party")) if isinstance(frm, dict) else "buyer"
    header: dict[str, JSONValue] = {
        "step": "answer",
        "request_id": msg.header.get("request_id"),
        "request_sha256": _file_sha256(request_path),
        "created": _now(),
        "from": {"role": "seller", "party": seller},
        "to": {"role": "buyer", "party": buyer},
        "kinds": list(KINDS),
        "subsets": list(SUBSET_NAMES),
        "customers": {
            "buyer": msg.header.get("customers", {}).get("buyer"),  # type: ignore[union-attr]
            "seller": ids.customers,
        },
        "set_sizes": {"buyer": dict(buyer_sizes), "seller": {n: len(v) for n, v in tokens.items()}},
        "ambiguity": {"seller": dict(local_ambiguity(ids))},
        "psi": msg.header.get("psi"),
    }
    sections = {f"setup/{n}": setup[n] for n in SUBSET_NAMES}
    sections.update({f"response/{n}": response[n] for n in SUBSET_NAMES})
    write_message(path, header, sections)
    return header


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_result(
    answer_path: Path, record: RequestRecord, key: bytes, workers: int = 1
) -> OverlapResult:
    """Step 3, the buyer: check the answer belongs to its request and count.

    Raises
    ------
    OverlapMessageError
        An answer to another request (or to an altered copy of it), or sections that do not
        match the sizes.

    Example
    -------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> t = pd.DataFrame({"phone": ["+8613800000001"], "email": [None], "id_number": [None],
    ...                   "name_birth": [None]})
    >>> k = psi.new_key()
    >>> rec = make_request(t, d / "r", buyer="B", key=k)
    >>> _ = make_answer(d / "r", t, d / "a", seller="S")
    >>> read_result(d / "a", rec, k).combined
    1
    """
    answer_path = Path(answer_path)
    msg = read_message(answer_path, step="answer")
    h = msg.header
    if h.get("request_id") != record.request_id:
        raise OverlapMessageError(
            f"{answer_path}: answers request {h.get('request_id')!r}, not this buyer's request "
            f"{record.request_id!r}; ask the seller to answer the request you sent"
        )
    if h.get("request_sha256") != record.sha256:
        raise OverlapMessageError(
            f"{answer_path}: answers a request file whose SHA-256 is not the one this buyer "
            "wrote (the request was altered on its way); send the request again"
        )
    if _sizes(h, "buyer", answer_path) != record.set_sizes:
        raise OverlapMessageError(f"{answer_path}: set_sizes.buyer are not this buyer's")
    seller_sizes = _sizes(h, "seller", answer_path)
    for n in SUBSET_NAMES:
        got = (len(msg.sections.get(f"setup/{n}", [])), len(msg.sections.get(f"response/{n}", [])))
        if got != (seller_sizes[n], record.set_sizes[n]):
            raise OverlapMessageError(
                f"{answer_path}: sections setup/{n}, response/{n} hold {got[0]} and {got[1]} "
                f"points; the sizes say {seller_sizes[n]} and {record.set_sizes[n]}"
            )
    counts = psi.intersection_sizes(
        {n: msg.sections[f"setup/{n}"] for n in SUBSET_NAMES},
        {n: msg.sections[f"response/{n}"] for n in SUBSET_NAMES},
        key,
        workers,
    )
    low, high = bounds(
        counts,
        buyer_customers=record.customers,
        buyer_ambiguity=record.ambiguity,
        buyer_extra=record.extra,
    )
    estimate = inclusion_exclusion(counts)
    amb = h.get("ambiguity")
    seller_amb = amb.get("seller") if isinstance(amb, dict) else None
    frm = h.get("from")
    customers = h.get("customers")
    notes = []
    if estimate != min(max(estimate, low), high):
        notes.append(f"inclusion-exclusion gave {estimate}, outside the hard bounds; clipped")
    if any(record.ambiguity.values()) or (
        isinstance(seller_amb, dict) and any(seller_amb.values())
    ):
        notes.append(
            "some identifier values are held by several customers of one party "
            "(ambiguity): the combined figure is then an estimate within the bounds"
        )
    if any(record.extra.values()):
        notes.append(
            "some buyer customers hold several values of one kind: one matching on two of them "
            "would not count once; the bounds allow for it"
        )
    return OverlapResult(
        request_id=record.request_id,
        buyer=record.buyer,
        seller=str(frm.get("party")) if isinstance(frm, dict) else "seller",
        buyer_customers=record.customers,
        seller_customers=int(customers.get("seller", 0)) if isinstance(customers, dict) else 0,  # type: ignore[arg-type]
        per_identifier={k: counts[k] for k in KINDS},
        per_subset=dict(counts),
        combined=min(max(estimate, low), high),
        combined_low=low,
        combined_high=high,
        buyer_set_sizes={k: record.set_sizes[k] for k in KINDS},
        seller_set_sizes={k: seller_sizes[k] for k in KINDS},
        buyer_ambiguity=dict(record.ambiguity),
        seller_ambiguity={str(k): int(v) for k, v in seller_amb.items()}  # type: ignore[arg-type]
        if isinstance(seller_amb, dict)
        else {},
        notes=notes,
    )
