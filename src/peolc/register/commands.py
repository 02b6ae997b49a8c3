"""`peolc register` subcommands: import a practice register from CSV, export the register snapshot.

Exit status: 0 on success, 1 when the file has problems (nothing is written), 2 when the command is refused
(unknown user or practice, or a user without permission).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from peolc.core.commands import setup_django


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``register`` subcommand group."""
    group = subparsers.add_parser("register", help="import into or export the palliative care register")
    commands = group.add_subparsers(dest="register_command", metavar="SUBCOMMAND", required=True)

    importer = commands.add_parser(
        "import", help="add a practice's existing register from CSV, all rows or none (see docs/register-import.md)"
    )
    importer.add_argument("file", metavar="FILE.csv")
    importer.add_argument("--practice", required=True, metavar="CODE", help="ODS code of the GP practice")
    importer.add_argument("--as", dest="username", required=True, metavar="USERNAME",
                          help="the user the import is done as (audited, and must hold permission)")
    importer.add_argument("--skip-existing", action="store_true",
                          help="leave people already on the register at this practice as they are")
    importer.add_argument("--confirm-possible-duplicates", action="store_true",
                          help="add people whose family name and date of birth match someone already registered")
    importer.set_defaults(handler=run_import)

    exporter = commands.add_parser("export", help="write the register snapshot for the analytics pipelines")
    exporter.add_argument("--out", required=True, metavar="DIR")
    exporter.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    exporter.add_argument("--as-at", type=date.fromisoformat, metavar="YYYY-MM-DD",
                          help="the snapshot date (default today)")
    exporter.set_defaults(handler=run_export)


def run_import(args: argparse.Namespace) -> int:
    """Import a CSV register as a named user; print every problem to stderr and write nothing if there are any."""
    setup_django()
    from django.core.exceptions import PermissionDenied, ValidationError

    from peolc.core.models import Organisation, User
    from peolc.register.importing import RegisterImportError, import_practice_register

    def refuse(message: str) -> int:
        print(f"peolc register import: {message}", file=sys.stderr)
        return 2

    actor = User.objects.filter(username=args.username, is_active=True).select_related("organisation").first()
    if actor is None:
        return refuse(f"no active user called {args.username!r}.")
    practice = Organisation.objects.filter(code=args.practice.strip().upper()).first()
    if practice is None:
        return refuse(f"no organisation with code {args.practice!r}.")
    try:
        result = import_practice_register(
            actor, practice, args.file, source_name=args.file, skip_existing=args.skip_existing,
            confirm_possible_duplicates=args.confirm_possible_duplicates,
        )
    except OSError as error:
        return refuse(f"cannot read {args.file}: {error.strerror or error}")
    except (PermissionDenied, ValidationError) as error:
        return refuse("; ".join(getattr(error, "messages", [str(error)])))
    except RegisterImportError as error:
        for message in error.errors:
            print(message, file=sys.stderr)
        print(f"peolc register import: {error}", file=sys.stderr)
        return 1
    print(f"{args.file}: {result.rows} rows, {result.imported} added to the register, "
          f"{result.skipped} already registered and skipped.")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Write the register snapshot (a system export, audited as ``peolc register export``)."""
    setup_django()
    from peolc.register.exporting import write_register_snapshot

    path = write_register_snapshot(args.out, format=args.format, as_at=args.as_at)
    print(f"Wrote {path}.")
    return 0
