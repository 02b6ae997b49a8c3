"""`peolc load`: fill the web database from an ICS's contract files and the pipeline's outputs.

This is where the apps are composed: each app loads its own part (organisations into core, people into the register,
services and neighbourhoods into the directory, pipeline outputs into finding and outcomes), and this command runs
them in order. It sits beside ``peolc.cli``, above the apps, so that no app has to import another to be loaded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from peolc.core.commands import setup_django


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `load` subcommand."""
    load = subparsers.add_parser(
        "load", help="load organisations, demo users (demo mode) and register records from contract files"
    )
    load.add_argument("--data", default="data/synthetic", help="directory of contract Parquet files")
    load.add_argument("--outputs", default="data/outputs",
                      help="directory of pipeline outputs to load for finding people early and outcomes, when present")
    load.set_defaults(handler=run_load)


def run_load(args: argparse.Namespace) -> int:
    """Validate the contract files, then load them; nothing is loaded if any file breaks the contract."""
    from peolc.analytics.contract import validate_directory

    data_dir = Path(args.data)
    tables = ["organisations", "patients", "identifiers", "practice_registrations", "deaths", "register_snapshot"]
    # The postcode directory is optional: an ICS may load the ONS one with `peolc directory postcodes`.
    if (data_dir / "postcodes.parquet").exists():
        tables.append("postcodes")
    report = validate_directory(data_dir, tables=tables)
    if not report.ok:
        for problem in report.problems:
            print(f"peolc load: {data_dir}: {problem}", file=sys.stderr)
        return 1
    setup_django()
    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from peolc.analytics.contract import OutputContractError, read_output
    from peolc.core import sources as core_sources
    from peolc.core.actions.organisations import load_organisations
    from peolc.core.demo import create_demo_users
    from peolc.directory import sources as directory_sources
    from peolc.finding import outputs as identification_outputs
    from peolc.outcomes import outputs as outcomes_outputs
    from peolc.register.sources import load_register

    # Every pipeline output a loader reads is checked before anything is written, so a bad one loads nothing.
    outputs = Path(args.outputs)
    readers = (core_sources, directory_sources, identification_outputs, outcomes_outputs)
    try:
        for name in (name for reader in readers for name in reader.OUTPUTS):
            if (outputs / f"{name}.parquet").exists():
                read_output(outputs, name)
    except OutputContractError as error:
        print(f"peolc load: {error}", file=sys.stderr)
        return 1
    try:
        organisations = load_organisations(core_sources.organisation_rows(data_dir, outputs),
                                           system_actor="peolc load")
    except ValidationError as error:
        print(f"peolc load: {data_dir / 'organisations.parquet'}: {'; '.join(error.messages)}", file=sys.stderr)
        return 1
    print(f"Organisations: {organisations['created']} created, {organisations['updated']} updated, "
          f"{organisations['unchanged']} unchanged.")
    if settings.DEMO_MODE:
        users = create_demo_users()
        print(f"Demo users: {users['created']} created, {users['updated']} refreshed.")
    # Made-up record content (names, ReSPECT, carers, medicines) is for the demo only: a real load keeps only
    # what the sources hold, marked imported and not reviewed.
    register = load_register(data_dir, today=timezone.localdate(), demo=settings.DEMO_MODE)
    print(f"Register: {register['people']} people loaded.")
    load_directory = (directory_sources.load_demo_directory if settings.DEMO_MODE
                      else directory_sources.load_directory_data)
    directory = load_directory(data_dir, outputs)
    print("Directory: " + ", ".join(f"{v:,} {k}" for k, v in directory.items()) + ".")
    for name, load_outputs in (("Identification", identification_outputs.load_outputs),
                               ("Outcomes", outcomes_outputs.load_outputs)):
        counts = load_outputs(outputs, data_dir)
        print(f"{name}: " + (", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in counts.items()) if counts
                             else f"no outputs in {args.outputs} (run peolc pipeline run)"))
    return 0
