"""Register pages, one module per resource: finding and adding people (``people``), a person's record and its
sections (``record``), emergency access (``break_glass``) and lists of people (``lists``)."""

from peolc.register.views.break_glass import break_glass, break_glass_review, break_glass_review_list
from peolc.register.views.lists import register_export, register_list, worklists
from peolc.register.views.people import add_person, find_person, import_register
from peolc.register.views.record import (
    access_report,
    edit_section,
    emergency_summary,
    record,
    review_section,
    section_history,
)

__all__ = [
    "access_report", "add_person", "break_glass", "break_glass_review", "break_glass_review_list",
    "edit_section", "emergency_summary", "find_person", "import_register", "record", "register_export",
    "register_list", "review_section", "section_history", "worklists",
]
