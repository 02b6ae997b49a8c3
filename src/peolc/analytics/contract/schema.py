"""The shape of a contract declaration: a table of typed columns with their codings, ranges and references.

Declarations only: the input tables are in ``tables``, the pipeline's outputs in ``outputs``, the checks in
``validation`` and the documentation in ``docs``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

# Logical column types and the Arrow type written for each.
ARROW_TYPES: dict[str, pa.DataType] = {
    "int64": pa.int64(),
    "int32": pa.int32(),
    "int16": pa.int16(),
    "float64": pa.float64(),
    "string": pa.string(),
    "date": pa.date32(),
    "bool": pa.bool_(),
    "list<string>": pa.list_(pa.string()),
    "list<int64>": pa.list_(pa.int64()),
}


@dataclass(frozen=True)
class Column:
    """One column: its logical type, whether it may be null, what it means and how it is coded."""

    name: str
    type: str
    description: str
    nullable: bool = False
    coding: str | None = None
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    references: str | None = None
    org_types: tuple[str, ...] | None = None

    @property
    def arrow_type(self) -> pa.DataType:
        """The Arrow type the generator writes for this column."""
        return ARROW_TYPES[self.type]


@dataclass(frozen=True)
class Table:
    """One table of the linked dataset."""

    name: str
    description: str
    source: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    required: bool = True
    # Date columns that must not fall after the person's date of death.
    dates_not_after_death: tuple[str, ...] = ()
    # (earlier, later) pairs of date columns in the same row.
    date_order: tuple[tuple[str, str], ...] = ()

    @property
    def schema(self) -> pa.Schema:
        """The Arrow schema of the table."""
        return pa.schema([pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in self.columns])

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)
