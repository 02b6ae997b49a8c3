"""`peolc indicators` subcommands: the indicator documentation pages. No Django."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_DOCS = Path("docs/indicators")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``peolc indicators docs [--check]``."""
    indicators = subparsers.add_parser("indicators", help="the outcomes framework's indicator definitions")
    actions = indicators.add_subparsers(dest="indicators_command", metavar="ACTION", required=True)
    docs = actions.add_parser("docs", help="generate docs/indicators/ from the definition files")
    docs.add_argument("--out", type=Path, default=DEFAULT_DOCS, help="folder for the pages (default docs/indicators)")
    docs.add_argument("--check", action="store_true", help="write nothing; fail if the pages are out of date")
    docs.set_defaults(handler=docs_command)


def docs_command(args: argparse.Namespace) -> int:
    from peolc.analytics.indicators import docs

    if args.check:
        stale = docs.stale(args.out)
        if stale:
            print(f"{args.out}: out of date ({', '.join(stale)}); run `peolc indicators docs`", file=sys.stderr)
            return 1
        print(f"{args.out}: up to date")
        return 0
    written = docs.write(args.out)
    print(f"Wrote {len(written)} pages to {args.out}")
    return 0
