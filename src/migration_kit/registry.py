"""One registry pattern for everything looked up by name from declarative specs.

Linkage level and conflict tests, quality checks, scoping predicates and linkage engines are all
registered the same way: a name, the parameters it takes (with defaults; :data:`REQUIRED` for
none), what it needs from its input (columns, features, other sides), a one-line description and
the function itself. A spec that names an entry is checked against the registry when it is built:
an unknown name is rejected listing the known ones (with the nearest), unknown parameters are
rejected listing the allowed ones, and a missing required parameter is named.

Example
-------
>>> TESTS: Registry[Callable[..., bool]] = Registry("level test")
>>> @TESTS.register("at_least", needs=("value",), threshold=REQUIRED)
... def _at_least(value, threshold):
...     '''value >= threshold'''
...     return value >= threshold
>>> entry = TESTS.get("at_least", where="levels[0].test")
>>> entry.fn(3, 2), entry.needs, entry.doc
(True, ('value',), 'value >= threshold')
>>> TESTS.resolve_params("at_least", {"threshold": 2}, where="levels[0]")
{'threshold': 2}
>>> TESTS.get("at_lest", where="levels[0].test")
Traceback (most recent call last):
migration_kit.errors.ParamsError: levels[0].test: received 'at_lest' (did you mean 'at_least'?); ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ._spec import check_choice, check_keys, require

__all__ = ["REQUIRED", "Entry", "Registry"]

F = TypeVar("F", bound=Callable[..., Any])


class _Required:
    """Marker default of a parameter that has none (the spec must give it)."""

    def __repr__(self) -> str:
        return "REQUIRED"


#: Default of a registered parameter that a spec must set.
REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Entry(Generic[F]):
    """One registered function: its name, parameters (name -> default), needs and description."""

    name: str
    fn: F
    params: Mapping[str, Any] = field(default_factory=dict)
    needs: tuple[str, ...] = ()
    doc: str = ""

    @property
    def required(self) -> tuple[str, ...]:
        """Parameters without a default."""
        return tuple(k for k, v in self.params.items() if v is REQUIRED)


class Registry(Generic[F]):
    """Name -> :class:`Entry`, filled by the :meth:`register` decorator.

    Parameters
    ----------
    kind : str
        What the entries are ("quality check", "level test"), used in messages.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry[F]] = {}

    def register(
        self, name: str, *, needs: tuple[str, ...] = (), doc: str | None = None, **params: Any
    ) -> Callable[[F], F]:
        """Decorator: register the function under ``name``; keyword arguments are its parameters
        and their defaults (:data:`REQUIRED` for none). A name registers once."""

        def deco(fn: F) -> F:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            lines = (doc if doc is not None else fn.__doc__ or "").strip().splitlines()
            first = lines[0] if lines else ""
            self._entries[name] = Entry(name, fn, dict(params), tuple(needs), first)
            return fn

        return deco

    def add(
        self,
        name: str,
        fn: F,
        *,
        needs: tuple[str, ...] = (),
        doc: str | None = None,
        **params: Any,
    ) -> F:
        """Register ``fn`` without decorator syntax (e.g. a lambda)."""
        return self.register(name, needs=needs, doc=doc, **params)(fn)

    def unregister(self, name: str) -> Entry[F]:
        """Remove and return an entry (tests that register a throw-away entry clean up with it)."""
        return self._entries.pop(name)

    def get(self, name: Any, where: str) -> Entry[F]:
        """The entry named ``name``; a :class:`~migration_kit.errors.ParamsError` at ``where``
        listing the known names (and the nearest) otherwise."""
        check_choice(name, self.names(), where)
        return self._entries[name]

    def resolve_params(
        self, name: str, given: Mapping[str, Any] | None, where: str
    ) -> dict[str, Any]:
        """The entry's parameters with ``given`` over the defaults; unknown keys and missing
        required ones are rejected at ``where`` (so is a ``given`` that is not a mapping)."""
        entry = self.get(name, f"{where}.{self.kind.split()[-1]}")
        params: Mapping[str, Any] = {} if given is None else given
        check_keys(params, entry.params, where)  # checks it is a mapping before reading it
        out = {**entry.params, **params}
        for key in entry.required:
            require(
                out[key] is not REQUIRED and out[key] is not None,
                f"{where}.{key}",
                f"{self.kind} {name!r} needs {key!r}; add '{key}: <value>'",
            )
        return out

    def names(self) -> list[str]:
        """Registered names, in registration order."""
        return list(self._entries)

    def describe(self) -> list[dict[str, Any]]:
        """One row per entry (name, parameters, needs, description), e.g. for the docs."""
        return [
            {
                "name": e.name,
                "params": {k: v for k, v in e.params.items()},
                "needs": list(e.needs),
                "doc": e.doc,
            }
            for e in self._entries.values()
        ]

    def __getitem__(self, name: str) -> Entry[F]:
        return self._entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self._entries)})"
