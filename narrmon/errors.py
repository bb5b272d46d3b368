"""Errors narrmon raises on purpose; each message is meant for a person to read."""


class NarrmonError(Exception):
    """Base of every error narrmon raises on purpose."""

    exit_code = 1  # what the CLI exits with after printing the message


class ConfigError(NarrmonError):
    """The configuration or the environment is missing something or is wrong."""


class InputError(NarrmonError):
    """An input file cannot be read at all (as opposed to a bad record inside it)."""


class StoreError(NarrmonError):
    """The store cannot be opened or migrated."""


class StoreURLError(StoreError):
    """The store URL is not one narrmon can use (a usage error)."""

    exit_code = 2


class StoreNotFound(StoreError):
    """A command that reads the store was pointed at one that does not exist."""

    exit_code = 2
