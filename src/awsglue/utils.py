"""``getResolvedOptions``, as Glue job scripts use it to read their command line."""

import argparse


def getResolvedOptions(args: list[str], options: list[str]) -> dict[str, str]:  # noqa: N802 (AWS's name)
    """The values of ``--NAME value`` arguments for each of ``options``; a missing one ends the
    script as argparse does (usage on stderr, exit status 2), like Glue's own."""
    parser = argparse.ArgumentParser(prog=args[0] if args else "script")
    for option in options:
        parser.add_argument(f"--{option}", required=True)
    known, _ = parser.parse_known_args(args[1:])
    return {option: getattr(known, option) for option in options}
