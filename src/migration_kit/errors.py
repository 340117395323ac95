"""Every error migration_kit raises on purpose, in one tree.

::

    MigrationKitError             base: a user-facing problem, printed as one line, no traceback
    ├── ParamsError               the params file is wrong (unknown key, bad value, missing file)
    │   └── PreflightError        every problem found before a run starts, one line each
    ├── InputError                a seller export cannot be read as declared (file, row, column)
    ├── LinkageError              linkage rules or review decisions are inconsistent
    ├── ScopingError              the policy cannot be applied, or the counts do not reconcile
    │   └── LawfulnessError       the transfer cannot be shown lawful: stop before the handover
    ├── QualityGateError          a quality gate failed and was not overridden
    ├── KeyMaterialError          a key or certificate is missing, expired, non-RSA or mismatched
    ├── IntegrityError            a hash, signature or audit chain does not match
    │   └── OverlapMessageError   an overlap message is of another step or request, or altered
    └── WorkbookError             a notebook step failed (names the notebook and the cell)

Messages say what was received, which rule it broke and how to fix it. Values that may be personal
data are masked with :mod:`migration_kit.masking` before they enter a message.
"""

from __future__ import annotations

__all__ = [
    "InputError",
    "IntegrityError",
    "KeyMaterialError",
    "LawfulnessError",
    "LinkageError",
    "MigrationKitError",
    "OverlapMessageError",
    "ParamsError",
    "PreflightError",
    "QualityGateError",
    "ScopingError",
    "WorkbookError",
]


class MigrationKitError(Exception):
    """Base class of every deliberate migration_kit error."""


class ParamsError(MigrationKitError):
    """The params file (or a section of it) is invalid.

    Parameters
    ----------
    where : str
        Dotted path of the offending key, e.g. ``sources[1].columns.phone``.
    message : str
        What was received and what is allowed.
    file : str, optional
        The params file, when known.
    """

    def __init__(self, where: str, message: str, file: str | None = None) -> None:
        self.where = where
        self.detail = message
        self.file = file
        prefix = f"{file}: " if file else ""
        super().__init__(f"{prefix}{where}: {message}")


class PreflightError(ParamsError):
    """Problems found before any work (:func:`migration_kit.preflight.preflight`), all of them.

    Parameters
    ----------
    file : str
        The params file.
    problems : list of str
        One line each: where, what was found, how to fix it.

    Example
    -------
    >>> err = PreflightError("p.yaml", ["keys: missing", "sources.shop: file not found"])
    >>> str(err).splitlines()[0], err.problems[1]
    ('p.yaml: 2 problems before any work:', 'sources.shop: file not found')
    """

    def __init__(self, file: str, problems: list[str]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        listed = "\n".join(f"  {i}. {p}" for i, p in enumerate(self.problems, 1))
        MigrationKitError.__init__(
            self, f"{file}: {n} problem{'s' if n != 1 else ''} before any work:\n{listed}"
        )
        self.where, self.detail, self.file = "preflight", listed, file


class InputError(MigrationKitError):
    """A seller export cannot be read as declared.

    Parameters
    ----------
    file : str
        The file that failed.
    message : str
        What was expected and what was found (values masked).
    row : int, optional
        1-based data row number (header is row 0), when the problem is in one row.
    column : str, optional
        The column concerned.
    """

    def __init__(
        self, file: str, message: str, row: int | None = None, column: str | None = None
    ) -> None:
        self.file = str(file)
        self.row = row
        self.column = column
        self.detail = message
        loc = self.file
        if row is not None:
            loc += f", row {row}"
        if column is not None:
            loc += f", column {column!r}"
        super().__init__(f"{loc}: {message}")


class LinkageError(MigrationKitError):
    """Linkage rules, model or review decisions are inconsistent."""


class ScopingError(MigrationKitError):
    """The scoping policy cannot be applied, or the record counts do not reconcile."""


class LawfulnessError(ScopingError):
    """The kit cannot show the transfer is lawful (an open erasure or withdrawal request, a
    missing consent register, a cross-border mechanism without its reference): the run stops
    before the handover and says what is missing and how to resolve it."""


class QualityGateError(MigrationKitError):
    """A quality gate failed; the export is stopped unless an override is logged."""


class KeyMaterialError(MigrationKitError):
    """A key or certificate is missing, expired, of the wrong type or does not match."""


class IntegrityError(MigrationKitError):
    """A hash, signature or audit-chain check failed."""


class OverlapMessageError(IntegrityError):
    """An overlap file (``migration-kit overlap``) is not the message expected: another format or
    version, another step, an answer to another request, or its content was altered."""


class WorkbookError(MigrationKitError):
    """A notebook step of the workbook failed."""
