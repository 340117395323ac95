"""Stage 2: cleaning, standardization and validation (see ``docs/architecture.md``).

:func:`standardize` turns the raw table into ``(std, failures)``. Each field function also works
alone on a Series and returns its outputs plus a ``reason`` column (None when valid).

Example
-------
>>> import pandas as pd
>>> clean_email(pd.Series(["Wang@QQ.com"]))["email"].tolist()
['wang@qq.com']
"""

from __future__ import annotations

from .address import clean_address, clean_country, clean_postcode
from .dates import parse_dates
from .email import clean_email
from .failures import FailureTable, failure_counts
from .ids import clean_id, cross_check_id
from .names import clean_name
from .numbers import clean_amount, clean_boolean, clean_count, clean_gender
from .phone import clean_phone
from .standardize import standardize

__all__ = [
    "FailureTable",
    "clean_address",
    "clean_amount",
    "clean_boolean",
    "clean_count",
    "clean_country",
    "clean_email",
    "clean_gender",
    "clean_id",
    "clean_name",
    "clean_phone",
    "clean_postcode",
    "cross_check_id",
    "failure_counts",
    "parse_dates",
    "standardize",
]
