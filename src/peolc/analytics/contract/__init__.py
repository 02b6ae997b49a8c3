"""The linked dataset contract: every table and column an ICS supplies to peolc, and a validator for it.

An integrated care system maps its own extracts (GP, SUS APC and ECDS, community, hospice, care homes, ONS deaths) to
these tables once; the synthetic generator writes exactly the same shape. The contract is data, so the
documentation (``docs/data-contract.md``) and the validator are both generated from it.

The package keeps the declarations apart from what is done with them: ``schema`` (what a table declaration
is), ``vocabularies`` and ``codes`` (allowed values and coding systems), ``tables`` (the input tables), ``outputs``
(the pipeline's output tables), ``validation`` (the directory validator and the output check) and ``docs`` (the
generated Markdown). Import from the package itself.
"""

from peolc.analytics.contract.codes import CODING_NOTES, VALUE_CHECKS, verhoeff_valid
from peolc.analytics.contract.docs import contract_markdown, outputs_markdown
from peolc.analytics.contract.outputs import OUTPUTS, OUTPUTS_BY_NAME, output
from peolc.analytics.contract.schema import ARROW_TYPES, Column, Table
from peolc.analytics.contract.tables import TABLES, TABLES_BY_NAME, table
from peolc.analytics.contract.validation import (
    OutputContractError,
    Problem,
    ValidationReport,
    check_output,
    read_output,
    validate_directory,
)
from peolc.analytics.contract.vocabularies import (
    ADMISSION_METHODS,
    ARRIVAL_MODES,
    COMMUNITY_SERVICES,
    CONTACT_MODES,
    DIAGNOSIS_GROUPS,
    DISCHARGE_METHODS,
    ED_DISPOSALS,
    ETHNIC_CATEGORIES,
    ETHNIC_CATEGORY_NAMES,
    HOSPICE_SETTINGS,
    ORGANISATION_TYPES,
    PLACES_OF_DEATH,
    PREFERRED_PLACES,
    PROGNOSIS_CATEGORIES,
    REGISTRATION_END_REASONS,
    RESIDENCY_END_REASONS,
    SEXES,
)

__all__ = [
    "ADMISSION_METHODS",
    "ARRIVAL_MODES",
    "ARROW_TYPES",
    "CODING_NOTES",
    "COMMUNITY_SERVICES",
    "CONTACT_MODES",
    "DIAGNOSIS_GROUPS",
    "DISCHARGE_METHODS",
    "ED_DISPOSALS",
    "ETHNIC_CATEGORIES",
    "ETHNIC_CATEGORY_NAMES",
    "HOSPICE_SETTINGS",
    "ORGANISATION_TYPES",
    "OUTPUTS",
    "OUTPUTS_BY_NAME",
    "PLACES_OF_DEATH",
    "PREFERRED_PLACES",
    "PROGNOSIS_CATEGORIES",
    "REGISTRATION_END_REASONS",
    "RESIDENCY_END_REASONS",
    "SEXES",
    "TABLES",
    "TABLES_BY_NAME",
    "VALUE_CHECKS",
    "Column",
    "OutputContractError",
    "Problem",
    "Table",
    "ValidationReport",
    "check_output",
    "contract_markdown",
    "output",
    "outputs_markdown",
    "read_output",
    "table",
    "validate_directory",
    "verhoeff_valid",
]
