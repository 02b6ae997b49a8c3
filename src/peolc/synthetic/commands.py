"""`peolc` subcommands for the linked dataset: generate, validate, calibration and contract-docs."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from peolc.analytics.contract import contract_markdown, outputs_markdown, validate_directory

DEFAULT_OUT = "data/synthetic"
DEFAULT_DOC = "docs/data-contract.md"
DEFAULT_OUTPUTS_DOC = "docs/pipeline-outputs.md"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the synthetic-data subcommands to the `peolc` parser."""
    gen = subparsers.add_parser("generate", help="generate a synthetic ICS as contract Parquet files")
    gen.add_argument("--people", type=int, default=50_000, help="people registered at the start (default 50,000)")
    gen.add_argument("--seed", type=int, default=42, help="random seed; the same seed gives identical files")
    gen.add_argument(
        "--start",
        type=date.fromisoformat,
        default=date(2019, 1, 1),
        help="first day of the extract, ISO date (default 2019-01-01)",
    )
    gen.add_argument("--years", type=int, default=5, help="years of deaths recorded (default 5)")
    gen.add_argument("--out", default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    gen.add_argument("--report", action="store_true", help="also write and print the calibration report")
    gen.add_argument("--quiet", action="store_true", help="no progress bar")
    gen.set_defaults(handler=generate_command)

    val = subparsers.add_parser("validate", help="check a directory of contract files; exit 1 on any error")
    val.add_argument("data", help="directory of <table>.parquet or <table>.csv files")
    val.add_argument("--max-rows", type=int, default=5, help="offending rows listed per problem (default 5)")
    val.set_defaults(handler=validate_command)

    cal = subparsers.add_parser("calibration", help="compare generated distributions with their targets")
    cal.add_argument("--data", default=DEFAULT_OUT, help=f"generated directory (default {DEFAULT_OUT})")
    cal.set_defaults(handler=calibration_command)

    doc = subparsers.add_parser("contract-docs", help="write the data contract and pipeline outputs documentation")
    doc.add_argument("--out", default=DEFAULT_DOC, help=f"Markdown file for the inputs (default {DEFAULT_DOC})")
    doc.add_argument(
        "--outputs-out",
        default=DEFAULT_OUTPUTS_DOC,
        help=f"Markdown file for the pipeline outputs (default {DEFAULT_OUTPUTS_DOC})",
    )
    doc.add_argument("--check", action="store_true", help="exit 1 if the file is not up to date; write nothing")
    doc.set_defaults(handler=contract_docs_command)


def generate_command(args: argparse.Namespace) -> int:
    """Generate the synthetic ICS."""
    from tqdm import tqdm

    from peolc.synthetic.calibration import write_report
    from peolc.synthetic.generator import GeneratorConfig, generate, n_chunks

    if args.people < 1 or args.years < 1:
        print("--people and --years must be positive", file=sys.stderr)
        return 2
    config = GeneratorConfig(people=args.people, seed=args.seed, start=args.start, years=args.years)
    started = time.perf_counter()
    with tqdm(total=n_chunks(config) + 1, desc="generating", unit="step", disable=args.quiet) as bar:

        def progress(message: str) -> None:
            bar.set_postfix_str(message)
            bar.update(1)

        result = generate(config, args.out, progress=progress)
    seconds = time.perf_counter() - started
    print(f"Wrote {len(result.row_counts)} tables to {result.out} in {seconds:.1f} s:")
    for name, rows in result.row_counts.items():
        print(f"  {name:24} {rows:>12,}")
    if args.report:
        _, markdown = write_report(result.out)
        print(markdown)
    return 0


def validate_command(args: argparse.Namespace) -> int:
    """Validate a directory against the contract."""
    report = validate_directory(args.data, max_rows=args.max_rows)
    for problem in report.problems:
        print(problem)
    errors = sum(p.severity == "error" for p in report.problems)
    tables = ", ".join(f"{k} {v:,}" for k, v in report.row_counts.items())
    print(f"{errors} error(s) in {len(report.row_counts)} table(s) read ({tables}).")
    return 0 if report.ok else 1


def calibration_command(args: argparse.Namespace) -> int:
    """Print and save the calibration report."""
    from peolc.synthetic.calibration import write_report

    if not Path(args.data, "deaths.parquet").exists():
        print(f"no generated data in {args.data}; run `peolc generate` first", file=sys.stderr)
        return 1
    _, markdown = write_report(args.data)
    print(markdown)
    print(f"Saved calibration.json and calibration.md in {args.data}.")
    return 0


def contract_docs_command(args: argparse.Namespace) -> int:
    """Write (or check) the contract documentation: the input tables and the pipeline outputs."""
    documents = ((Path(args.out), contract_markdown()), (Path(args.outputs_out), outputs_markdown()))
    if args.check:
        stale = [path for path, text in documents if not path.exists() or path.read_text(encoding="utf-8") != text]
        for path in stale:
            print(f"{path} is out of date; run `peolc contract-docs`", file=sys.stderr)
        if stale:
            return 1
        print(" and ".join(str(path) for path, _ in documents) + " are up to date.")
        return 0
    for path, text in documents:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"Wrote {path}.")
    return 0
