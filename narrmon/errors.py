"""Errors narrmon raises on purpose; each message is meant for a person to read."""


class NarrmonError(Exception):
    """Base of every error narrmon raises on purpose."""


class ConfigError(NarrmonError):
    """The configuration or the environment is missing something or is wrong."""


class InputError(NarrmonError):
    """An input file cannot be read at all (as opposed to a bad record inside it)."""


class StoreError(NarrmonError):
    """The store cannot be opened or migrated."""
