"""`peolc directory` subcommands: load a postcode directory (ONS NSPL/ONSPD CSV) for the directory's searches."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from peolc.core.commands import setup_django


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``directory`` subcommand group."""
    group = subparsers.add_parser("directory", help="the directory of services")
    commands = group.add_subparsers(dest="directory_command", metavar="SUBCOMMAND", required=True)
    postcodes = commands.add_parser(
        "postcodes", help="replace the postcode directory from an ONS Postcode Directory or NSPL CSV "
                          "(columns pcds, lat, long, lsoa21 or lsoa11); all rows or none")
    postcodes.add_argument("file", metavar="FILE.csv", type=Path)
    postcodes.set_defaults(handler=run_postcodes)


def run_postcodes(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.exceptions import ValidationError

    from peolc.directory.actions import load_postcodes, read_postcode_csv

    try:
        count = load_postcodes(read_postcode_csv(args.file), system_actor="peolc directory postcodes")
    except (ValidationError, OSError) as error:
        message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        print(f"peolc directory postcodes: {message}", file=sys.stderr)
        return 1
    print(f"Postcodes: {count:,} loaded.")
    return 0
