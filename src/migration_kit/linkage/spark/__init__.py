"""The Spark linkage engine: blocking, comparison, EM counts and connected components on Spark.

Choose it with ``linkage: {engine: spark}`` in the params or ``migration-kit dedupe --engine
spark``; ``linkage.spark.master`` (else ``MIGRATION_KIT_SPARK_MASTER`` / ``SPARK_MASTER``, else
``local[2]``) says where it runs. pyspark is an optional extra (``pip install
'migration_kit[spark]'``) and needs Java 17; nothing here imports it until the engine runs.

Modules: :mod:`.session` (the SparkSession), :mod:`.frames` (records to and from Spark),
:mod:`.index` (blocking), :mod:`.compare` (levels), :mod:`.em` (level-vector counts),
:mod:`.cluster` (connected components), :mod:`.engine` (:class:`SparkEngine`).

Example
-------
>>> from migration_kit.linkage.spark import SparkEngine
>>> SparkEngine(master="local[2]").master
'local[2]'
"""

from __future__ import annotations

from .engine import SparkEngine
from .session import get_session, resolve_master

__all__ = ["SparkEngine", "get_session", "resolve_master"]
