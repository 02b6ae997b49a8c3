"""The one `peolc` command.

Each area of the platform contributes its subcommands through a ``register(subparsers)`` function, so this module
stays a thin dispatcher and the analytics and synthetic packages never import Django.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules that add subcommands. Web commands import Django lazily inside their handlers.
COMMAND_MODULES = (
    "peolc.core.commands",
    "peolc.load",
    "peolc.synthetic.commands",
    "peolc.analytics.commands",
    "peolc.analytics.identification.commands",
    "peolc.analytics.indicators.commands",
    "peolc.register.commands",
    "peolc.directory.commands",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every area's subcommands."""
    parser = argparse.ArgumentParser(
        prog="peolc",
        description="Palliative and end-of-life care platform for an integrated care system.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `peolc` command and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = args.handler(args)
    except KeyboardInterrupt:
        return 130
    return int(status or 0)


if __name__ == "__main__":
    sys.exit(main())
