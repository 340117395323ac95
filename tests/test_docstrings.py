"""Every module's docstring examples run and hold (numpy-style ``Example`` sections are executed)."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import migration_kit

MODULES = sorted(m.name for m in pkgutil.walk_packages(migration_kit.__path__, "migration_kit."))


def test_modules_are_found():
    assert {"migration_kit.linkage.tfclass", "migration_kit.masking", "migration_kit.clean.address"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples in {name} fail (printed above)"
