"""Options of every glueprint command: each also read from GLUEPRINT_<NAME>, and --help says so."""

import click


def option(*decls, **attrs):
    """A click option that also reads GLUEPRINT_<NAME> from the environment, and says so."""
    name = next(d for d in decls if d.startswith("--"))[2:]
    attrs.setdefault("envvar", "GLUEPRINT_" + name.upper().replace("-", "_"))
    return click.option(*decls, show_envvar=True, **attrs)


class CliError(Exception):
    """A failure a person caused: the message says what is wrong and what to do."""
