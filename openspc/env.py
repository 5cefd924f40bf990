"""Typed readers of environment variables for the settings modules: an unset or empty
variable gives the default (the embedded configuration)."""

from __future__ import annotations

import os


def env_str(name: str, default: str = "") -> str:
    """Return the environment variable ``name`` as a string, or ``default``."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """Return the environment variable ``name`` parsed as a boolean (1/true/yes/on)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """Return the environment variable ``name`` parsed as an integer, or ``default``."""
    value = os.environ.get(name, "")
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    """Return a comma-separated environment variable as a list of non-empty items."""
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]
