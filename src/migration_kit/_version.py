"""The package version, in a module of its own so any layer may read it without importing the
package's public facade."""

__all__ = ["__version__"]

__version__ = "0.1.0"
