"""Reports for DLA capacity tracking: scoped figures, breakdowns, gap lists and trainees' progress.

One query function per table serves the dashboard page, its CSV/XLSX export and the API.
"""

from __future__ import annotations

from typing import Any

from ...access import Scope
from .figures import Figures, figures, overall, valid_certificates
from .filters import (
    ATTRIBUTION,
    GROUPS,
    STAFF,
    VIEWS,
    BadFilter,
    Filters,
    OutOfScope,
    authorise,
    enrolment_rows,
    parse_filters,
)
from .grouped import Breakdowns, figures_by
from .listings import STATUSES, certificate_page, organisation_page
from .median import medians
from .monthly import Month, monthly, period_choices
from .tables import (
    GAPS,
    Column,
    ReportTable,
    gap_table,
    monthly_table,
    organisation_table,
    province_table,
    type_table,
)
from .trainees import TraineeDetail, trainee_detail, trainee_table

TABLES = ("provinces", "types", "monthly", "organisations", "trainees", *GAPS)


def table(name: str, scope: Scope, filters: Filters, **options: Any) -> ReportTable:
    """Any table by name (the export and API entry point); unknown names raise KeyError."""
    if name in GAPS:
        return gap_table(name, scope, filters, **options)
    builders = {"provinces": province_table, "types": type_table, "monthly": monthly_table,
                "organisations": organisation_table, "trainees": trainee_table}
    return builders[name](scope, filters, **options)  # type: ignore[operator]


__all__ = [
    "ATTRIBUTION", "BadFilter", "Breakdowns", "Column", "Figures", "Filters", "GAPS", "GROUPS",
    "Month", "OutOfScope", "ReportTable", "STAFF", "STATUSES", "TABLES", "TraineeDetail", "VIEWS",
    "authorise", "certificate_page", "enrolment_rows", "figures", "figures_by", "gap_table",
    "medians", "monthly", "monthly_table", "organisation_page", "organisation_table", "overall",
    "parse_filters", "period_choices",
    "province_table", "table", "trainee_detail", "trainee_table", "type_table",
    "valid_certificates",
]
