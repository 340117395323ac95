"""ECDH private set intersection cardinality (PSI-CA) over ``openmined.psi``, on every core.

The buyer (client) blinds each of its tokens with its key ``a``: ``H(x)^a`` on P-256. The seller
(server), with a key ``b`` made for this answer and never stored, returns ``H(x)^(ab)`` for the
buyer's points, sorted (which shuffles them: the buyer cannot tell which of its points came back
as which) and its own points ``H(y)^b`` (the ``Raw`` data structure: exact, no false positives).
The buyer removes its key and counts how many of its ``H(x)^b`` are among the seller's: the size
of the intersection, and nothing about which tokens are in it. Neither side can test a guessed
phone or e-mail against the other's points without the other's key.

Work is split into chunks over a process pool: the elliptic-curve operations (one per token per
step, two in the answer) are the whole cost.

Example
-------
>>> key = new_key()
>>> req = blind({"s": ["a", "b", "c"]}, key)
>>> setup, resp = answer(req, {"s": ["b", "c", "d"]})
>>> intersection_sizes(setup, resp, key)
{'s': 2}
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from private_set_intersection.python import (
    DataStructure,
    Request,
    Response,
    ServerSetup,
    client,
    server,
)

__all__ = [
    "CURVE",
    "ELEMENT_BYTES",
    "LIBRARY",
    "answer",
    "blind",
    "default_workers",
    "intersection_sizes",
    "new_key",
]

#: Bytes of one point (compressed P-256).
ELEMENT_BYTES = 33
CURVE = "P-256"
LIBRARY = "openmined.psi"
#: Tokens per task: large enough that a task's fixed cost is noise, small enough to balance.
_CHUNK = 25_000
#: Below this many tokens a pool costs more than it saves.
_POOL_MIN = 20_000

Elements = dict[str, list[bytes]]


def default_workers() -> int:
    """The cores this process may use.

    Example
    -------
    >>> default_workers() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def new_key() -> bytes:
    """A fresh 32-byte PSI key (the buyer's; it stays in its run folder's ``work/``).

    Example
    -------
    >>> len(new_key())
    32
    """
    return bytes(client.CreateWithNewKey(False).GetPrivateKeyBytes())


def _chunks(items: Sequence[object], size: int) -> list[tuple[int, int]]:
    return [(i, min(i + size, len(items))) for i in range(0, len(items), size)] or [(0, 0)]


Task = tuple[Callable[..., object], tuple[object, ...]]


def _run(tasks: list[Task], workers: int) -> list[object]:
    total = sum(len(args[1]) for _, args in tasks if isinstance(args[1], list))
    if workers <= 1 or len(tasks) <= 1 or total < _POOL_MIN:
        return [fn(*args) for fn, args in tasks]
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        futures = [pool.submit(fn, *args) for fn, args in tasks]
        return [f.result() for f in futures]


def _blind(key: bytes, items: list[str]) -> list[bytes]:
    if not items:
        return []
    req = client.CreateFromKey(key, False).CreateRequest(items)
    return list(req.encrypted_elements)


def _process(key: bytes, elements: list[bytes]) -> list[bytes]:
    if not elements:
        return []
    req = Request(reveal_intersection=False, encrypted_elements=elements)
    return list(server.CreateFromKey(key, False).ProcessRequest(req).encrypted_elements)


def _setup(key: bytes, items: list[str]) -> list[bytes]:
    if not items:
        return []
    msg = server.CreateFromKey(key, False).CreateSetupMessage(
        0.0, len(items), items, DataStructure.RAW
    )
    return list(msg.raw.encrypted_elements)


def _count(key: bytes, response: list[bytes], setup: list[bytes]) -> int:
    if not response or not setup:
        return 0
    msg = ServerSetup()
    msg.raw.encrypted_elements.extend(setup)
    resp = Response(encrypted_elements=response)
    return int(client.CreateFromKey(key, False).GetIntersectionSize(msg, resp))


def _gather(
    fn: Callable[[bytes, list[object]], list[bytes]],
    key: bytes,
    data: Mapping[str, Sequence[object]],
    workers: int,
) -> Elements:
    names: list[str] = []
    tasks: list[Task] = []
    for name, items in data.items():
        for a, b in _chunks(items, _CHUNK):
            names.append(name)
            tasks.append((fn, (key, list(items[a:b]))))
    out: Elements = {name: [] for name in data}
    for name, part in zip(names, _run(tasks, workers), strict=True):
        out[name].extend(part)  # type: ignore[arg-type]
    return {name: sorted(v) for name, v in out.items()}  # sorted: order tells nothing


def blind(tokens: Mapping[str, Sequence[str]], key: bytes, workers: int = 1) -> Elements:
    """The buyer's step 1: every token as ``H(x)^a``, per named set, sorted.

    Parameters
    ----------
    tokens : mapping of str to list of str
        Set name -> distinct tokens.
    key : bytes
        The buyer's key (:func:`new_key`).
    workers : int
        Processes to use.

    Example
    -------
    >>> [len(e) for e in blind({"s": ["a", "b"]}, new_key())["s"]]
    [33, 33]
    """
    return _gather(_blind, key, tokens, workers)  # type: ignore[arg-type]


def answer(
    request: Mapping[str, Sequence[bytes]],
    tokens: Mapping[str, Sequence[str]],
    workers: int = 1,
) -> tuple[Elements, Elements]:
    """The seller's step 2: its own points ``H(y)^b`` (setup) and the buyer's points raised to
    ``b`` (response), per named set, each sorted. ``b`` is made here and forgotten on return.

    Example
    -------
    >>> setup, resp = answer({"s": blind({"s": ["a"]}, new_key())["s"]}, {"s": ["a", "b"]})
    >>> len(setup["s"]), len(resp["s"])
    (2, 1)
    """
    key = bytes(server.CreateWithNewKey(False).GetPrivateKeyBytes())
    setup = _gather(_setup, key, tokens, workers)  # type: ignore[arg-type]
    response = _gather(_process, key, request, workers)  # type: ignore[arg-type]
    del key
    return setup, response


def intersection_sizes(
    setup: Mapping[str, Sequence[bytes]],
    response: Mapping[str, Sequence[bytes]],
    key: bytes,
    workers: int = 1,
) -> dict[str, int]:
    """The buyer's step 3: per named set, how many of its tokens the seller holds too.

    The buyer's tokens must have been distinct (each of its points counts once).

    Example
    -------
    >>> k = new_key()
    >>> s, r = answer({"s": blind({"s": ["a", "z"]}, k)["s"]}, {"s": ["a", "b"]})
    >>> intersection_sizes(s, r, k)
    {'s': 1}
    """
    names: list[str] = []
    tasks: list[Task] = []
    for name, resp in response.items():
        full = list(setup.get(name, []))
        size = max(1, -(-len(resp) // max(workers, 1)))
        for a, b in _chunks(resp, size):
            names.append(name)
            tasks.append((_count, (key, list(resp[a:b]), full)))
    out = {name: 0 for name in response}
    for name, n in zip(names, _run(tasks, workers), strict=True):
        out[name] += int(n)  # type: ignore[call-overload]
    return out
