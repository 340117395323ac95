"""The SparkSession of the Spark linkage engine, from the params or the environment.

The master comes from ``linkage.spark.master`` in the params, else the environment variable
``MIGRATION_KIT_SPARK_MASTER``, else ``SPARK_MASTER``, else ``local[2]``; so the same job runs
unchanged in local mode, on a standalone cluster (``spark://host:7077``), on YARN (``yarn``) or
on Kubernetes (``k8s://https://...``). ``linkage.spark.conf`` adds Spark settings (e.g.
``spark.executor.memory``); the engine's own defaults (UTC session time zone, Arrow transfers,
no UI; in local mode few shuffle partitions, a 4g driver and this interpreter for the Python
workers) come first and are overridden by them. On a cluster the executors need migration_kit
installed (the same version) in their Python environment.

An existing active session is reused (a notebook or a test that built one), so the engine never
stops a session it did not start.

Example
-------
>>> resolve_master(None, {"MIGRATION_KIT_SPARK_MASTER": "spark://h:7077"})
'spark://h:7077'
>>> resolve_master("yarn", {"SPARK_MASTER": "local[4]"})
'yarn'
>>> resolve_master(None, {})
'local[2]'
>>> spark_conf("local[2]", {"spark.sql.shuffle.partitions": "8"})["spark.sql.shuffle.partitions"]
'8'
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ...errors import ParamsError

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession

__all__ = ["DEFAULT_MASTER", "MASTER_ENV", "get_session", "resolve_master", "spark_conf"]

#: The master used when neither the params nor the environment name one.
DEFAULT_MASTER = "local[2]"

#: Environment variables read for the master, first found wins.
MASTER_ENV = ("MIGRATION_KIT_SPARK_MASTER", "SPARK_MASTER")


def resolve_master(master: str | None, env: Mapping[str, str] | None = None) -> str:
    """The Spark master: the params' value, else :data:`MASTER_ENV`, else :data:`DEFAULT_MASTER`.

    Example
    -------
    >>> resolve_master(None, {"SPARK_MASTER": "yarn"})
    'yarn'
    """
    if master:
        return master
    env = os.environ if env is None else env
    for name in MASTER_ENV:
        if env.get(name):
            return env[name]
    return DEFAULT_MASTER


def spark_conf(master: str, conf: Mapping[str, str] | None = None) -> dict[str, str]:
    """The engine's Spark settings for ``master``, then ``conf`` on top.

    Example
    -------
    >>> spark_conf("yarn")["spark.sql.session.timeZone"]
    'UTC'
    """
    out = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.adaptive.enabled": "true",
    }
    if master.startswith("local"):  # workers run this interpreter (a cluster brings its own)
        out["spark.pyspark.python"] = sys.executable
        out["spark.sql.shuffle.partitions"] = "4"
        out["spark.default.parallelism"] = "4"
        out["spark.driver.memory"] = "4g"
        out["spark.driver.maxResultSize"] = "3g"  # the scored pairs come back to the driver
    out.update({str(k): str(v) for k, v in (conf or {}).items()})
    return out


def get_session(
    master: str | None = None, conf: Mapping[str, str] | None = None, app: str = "migration_kit"
) -> SparkSession:
    """The active SparkSession, else a new one on :func:`resolve_master` with :func:`spark_conf`.

    Raises
    ------
    ParamsError
        pyspark is not installed, or Java is missing for a local master.

    Example
    -------
    >>> get_session("local[1]").sparkContext.master  # doctest: +SKIP
    'local[1]'
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ParamsError(
            "linkage.engine",
            "received 'spark' but pyspark is not installed; install the extra "
            "(pip install 'migration_kit[spark]') or choose engine 'local'",
        ) from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    url = resolve_master(master)
    if url.startswith("local") and not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise ParamsError(
            "linkage.engine",
            "received 'spark' with a local master but no Java runtime was found (no java on "
            "PATH, no JAVA_HOME); install Java 17 (apt-get install default-jre-headless)",
        )
    if url.startswith("local"):  # the Python workers: this interpreter, unless the user chose
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(url).appName(app)
    for key, value in spark_conf(url, conf).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
