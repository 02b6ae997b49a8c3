"""`peolc pipeline` subcommands. No Django: the pipelines read and write files only."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from peolc.analytics.backends import BACKENDS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``peolc pipeline run``."""
    pipeline = subparsers.add_parser("pipeline", help="run the analytics pipelines over contract files")
    actions = pipeline.add_subparsers(dest="pipeline_command", metavar="ACTION", required=True)
    run = actions.add_parser("run", help="run every pipeline step (or --steps) and write Parquet outputs")
    run.add_argument("--data", default="data/synthetic", help="directory of contract Parquet files")
    run.add_argument("--out", default="data/outputs", help="directory for the outputs")
    run.add_argument("--backend", choices=BACKENDS, default="duckdb")
    run.add_argument("--steps", help="comma-separated steps to run (default: all)")
    run.add_argument("--as-at", type=date.fromisoformat, help="reference date (default: the extract's end)")
    run.set_defaults(handler=run_pipeline_command)


def run_pipeline_command(args: argparse.Namespace) -> int:
    from peolc.analytics.pipeline import run_pipeline

    steps = [s.strip() for s in args.steps.split(",")] if args.steps else None
    try:
        summary = run_pipeline(Path(args.data), Path(args.out), backend=args.backend, steps=steps, as_at=args.as_at)
    except (ValueError, FileNotFoundError) as error:
        print(f"peolc pipeline run: {error}", file=sys.stderr)
        return 1
    for name, step in summary["steps"].items():
        print(f"{name}: {step['seconds']} s")
    for name, rows in summary["outputs"].items():
        print(f"  {name}.parquet  {rows:,} rows")
    return 0
