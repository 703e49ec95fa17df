"""What every audit-file section is: a frozen dataclass whose `validate(section)` checks its values after the
types are checked (engine/config.py), with the range checks the sections share.

Light on purpose (the standard library only): the analysis registry imports the analyses' sections at the
app's start-up. Every message names the key at fault as `section.key`, and so does the ConfigError's key.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from assay.engine.errors import ConfigError


@dataclass(frozen=True)
class Section:
    """A section of the audit file; a subclass is a frozen dataclass that overrides `validate` when its values
    have rules beyond their types. Section itself is the section with no keys."""

    def validate(self, section: str) -> None:
        """Raise a ConfigError naming `section.key` when a value is out of its range."""


def fail(section: str, key: str, message: str) -> ConfigError:
    """The error for `section.key`: raise fail(section, key, "must be ...")."""
    return ConfigError(f"{section}.{key}: {message}", key=f"{section}.{key}")


def shares(config: object, section: str, keys: Iterable[str], message: str = "{value} must be between 0 and 1"
           ) -> None:
    """Each key is a share: between 0 and 1 (both included)."""
    for key in keys:
        value = getattr(config, key)
        if not 0.0 <= value <= 1.0:
            raise fail(section, key, message.format(value=value))


def at_least(config: object, section: str, lows: dict[str, int]) -> None:
    """Each key (a whole number) is at least its low bound."""
    for key, low in lows.items():
        if getattr(config, key) < low:
            raise fail(section, key, f"must be at least {low}")


def not_negative(value: float, section: str, key: str, note: str = "") -> None:
    if value < 0:
        raise fail(section, key, f"must not be negative{note}")


def confidence(value: float, section: str, key: str = "confidence") -> None:
    """A confidence level: strictly between 0.5 and 1."""
    if not 0.5 < value < 1.0:
        raise fail(section, key, f"{value} must be between 0.5 and 1, such as 0.95")


def warn_below_fail(config: object, section: str, stem: str) -> None:
    """`stem_warn` does not exceed `stem_fail`."""
    warn, fail_at = getattr(config, f"{stem}_warn"), getattr(config, f"{stem}_fail")
    if warn > fail_at:
        raise ConfigError(f"{section}.{stem}_warn ({warn}) is above {section}.{stem}_fail ({fail_at}); the warning "
                          f"threshold must not exceed the failure threshold", key=f"{section}.{stem}_warn")


def choice(value: object, allowed: Iterable[object], section: str, key: str, what: str) -> None:
    """`value` is one of `allowed`; the message lists them: "'x' is not a <what>; allowed values: ..."."""
    allowed = list(allowed)
    if value not in allowed:
        raise fail(section, key, f"{value!r} is not a {what}; allowed values: {', '.join(map(str, allowed))}")
