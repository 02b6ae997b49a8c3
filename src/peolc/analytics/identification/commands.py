"""`peolc identify` subcommands: re-fit the identification model on an ICS's own linked data. No Django."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from peolc.analytics.backends import BACKENDS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``peolc identify fit``."""
    identify = subparsers.add_parser("identify", help="identification model: fit and evaluate")
    actions = identify.add_subparsers(dest="identify_command", metavar="ACTION", required=True)
    fit = actions.add_parser(
        "fit",
        help="fit the 12-month mortality model on the year before the reference date and report the hold-out",
    )
    fit.add_argument("--data", default="data/synthetic", help="directory of contract Parquet files")
    fit.add_argument("--out", default="identification_model.json", help="MODEL.json to write")
    fit.add_argument("--backend", choices=BACKENDS, default="duckdb")
    fit.add_argument("--as-at", type=date.fromisoformat, help="reference date (default: the extract's end)")
    fit.add_argument("--l2", type=float, help="L2 penalty on standardised terms (default 1.0)")
    fit.set_defaults(handler=fit_command)


def fit_command(args: argparse.Namespace) -> int:
    """Fit the model, write MODEL.json and print the temporal hold-out performance beside the baselines."""
    from peolc.analytics import backends
    from peolc.analytics.contract import TABLES
    from peolc.analytics.identification import MODEL_ENV, REQUIRED_TABLES
    from peolc.analytics.identification.evaluate import fit_and_evaluate
    from peolc.analytics.identification.model import DEFAULT_L2
    from peolc.analytics.pipeline import default_as_at

    data = Path(args.data)
    missing = [name for name in REQUIRED_TABLES if not (data / f"{name}.parquet").exists()]
    if missing:
        print(f"peolc identify fit: {data} lacks {', '.join(missing)}", file=sys.stderr)
        return 1
    con = backends.connect(args.backend)
    present = [t.name for t in TABLES if (data / f"{t.name}.parquet").exists()]
    tables = backends.read_tables(con, data, present)
    as_at = args.as_at or default_as_at(data)
    evaluation = fit_and_evaluate(con, tables, as_at, DEFAULT_L2 if args.l2 is None else args.l2)
    evaluation.events.release()
    evaluation.model.info["performance"] = evaluation.performance
    evaluation.model.save(Path(args.out))
    performance = evaluation.performance
    print(
        f"trained at {performance['train_index_date']}, tested at {performance['test_index_date']} "
        f"({performance['n_test']:,} people, {performance['events_test']:,} deaths)"
    )
    for row in performance["models"]:
        print(
            f"  {row['model']:<10} AUROC {row['auroc']:.3f}  calibration-in-the-large "
            f"{row['calibration_in_the_large']:+.3f}  slope {row['calibration_slope']:.2f}"
        )
    print(f"wrote {args.out}; score with it: {MODEL_ENV}={args.out} peolc pipeline run ...")
    print(json.dumps({"model_beats_every_baseline": performance["model_beats_every_baseline"]}))
    return 0
