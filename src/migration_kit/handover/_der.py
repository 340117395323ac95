"""Minimal read-only DER (ASN.1 Distinguished Encoding Rules, X.690) reader.

`cryptography` 50 can *create* CMS signatures but has no public API to *verify* one. Verifying a
detached CMS SignedData (RFC 5652 section 5) only needs a handful of fields, so this module walks
the standard DER structure: tag, definite length, value. It does not define any format of its own
and never writes DER.

Example
-------
>>> node = read(bytes.fromhex("3003020105"))
>>> node.tag, [c.value for c in node.children()]
(48, [b'\\x05'])
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DerError", "Node", "oid_text", "read"]


class DerError(ValueError):
    """The bytes are not well-formed DER."""


@dataclass(frozen=True)
class Node:
    """One DER element: ``tag`` byte, ``value`` bytes and the full ``encoded`` element."""

    tag: int
    value: bytes
    encoded: bytes

    @property
    def constructed(self) -> bool:
        """True for SEQUENCE, SET and constructed context tags."""
        return bool(self.tag & 0x20)

    def children(self) -> list[Node]:
        """Parse the value of a constructed element into its elements."""
        if not self.constructed:
            raise DerError(f"tag 0x{self.tag:02x} is primitive, it has no children")
        out, pos = [], 0
        while pos < len(self.value):
            node, pos = _read_at(self.value, pos)
            out.append(node)
        return out


def _read_at(data: bytes, pos: int) -> tuple[Node, int]:
    start = pos
    if pos + 2 > len(data):
        raise DerError("truncated element header")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tags are not used by CMS and not supported")
    length = data[pos + 1]
    pos += 2
    if length == 0x80:
        raise DerError("indefinite length (BER) is not DER")
    if length & 0x80:
        n = length & 0x7F
        if n > 8 or pos + n > len(data):
            raise DerError("bad long-form length")
        length = int.from_bytes(data[pos : pos + n], "big")
        pos += n
    end = pos + length
    if end > len(data):
        raise DerError("element runs past the end of the data")
    return Node(tag, data[pos:end], data[start:end]), end


def read(data: bytes) -> Node:
    """Parse exactly one DER element that spans all of ``data``."""
    node, end = _read_at(data, 0)
    if end != len(data):
        raise DerError(f"{len(data) - end} trailing bytes after the DER element")
    return node


def oid_text(node: Node) -> str:
    """Dotted text of an OBJECT IDENTIFIER element (e.g. ``1.2.840.113549.1.7.2``)."""
    if node.tag != 0x06 or not node.value:
        raise DerError(f"expected an OBJECT IDENTIFIER, found tag 0x{node.tag:02x}")
    first = node.value[0]
    arcs = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    acc = 0
    for b in node.value[1:]:
        acc = (acc << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(acc)
            acc = 0
    return ".".join(map(str, arcs))
