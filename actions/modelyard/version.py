"""The client's version (its own module, so any submodule can read it without importing the package)."""

__version__ = "0.1.0"
