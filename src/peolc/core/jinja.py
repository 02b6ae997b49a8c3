"""The Jinja2 environment: our templates first, then the NHS.UK frontend macros."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader
from markupsafe import Markup

from peolc import nhs_number
from peolc.core.forms import date_parts
from peolc.core.navigation import header_for, navigation_for
from peolc.core.permissions import Permission


def url(name: str, *args, **kwargs) -> str:
    """Reverse a URL pattern by name."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


def widget_name(bound_field) -> str:
    """The class name of a bound field's widget, so templates can pick the matching NHS.UK component."""
    return type(bound_field.field.widget).__name__


def choice_items(bound_field, selected_key: str = "selected") -> list[dict]:
    """A bound choice field's options in the shape the NHS.UK select, radios and checkboxes macros take."""
    value = bound_field.value()
    chosen = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value)}
    items = []
    for option_value, label in bound_field.field.choices:
        key = str(getattr(option_value, "value", option_value))
        items.append({"value": key, "text": str(label), selected_key: key in chosen and key != ""})
    return items


def page_url(request, number: int) -> str:
    """The current page's URL with its query string's ``page`` set to ``number``."""
    query = request.GET.copy()
    query["page"] = str(number)
    return f"{request.path}?{query.urlencode()}"


def datetimeformat(value, fmt: str = "%-d %b %Y %H:%M") -> str:
    """Format a date or datetime the NHS.UK way (e.g. 5 Mar 2026 14:05); empty for None."""
    return value.strftime(fmt) if value else ""


def longdate(value) -> str:
    """A date the NHS.UK way, e.g. 5 March 2026; empty for None."""
    return f"{value.day} {value:%B %Y}" if value else ""


def format_nhs_number(value: str) -> str:
    """An NHS number in 3-3-4 form when valid, else as stored."""
    return nhs_number.format(value) if nhs_number.is_valid(value or "") else (value or "")


def web_address(value: str | None) -> str | None:
    """``value`` when it is an http(s) address safe to link to, else None (show it as text, if at all)."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    return value.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def memoised_components(env: Environment, maxsize: int = 1024):
    """A ``component(name, params)`` global that renders an NHS.UK component macro once per distinct ``params``.

    The header and footer are on every page and their macros cost about a millisecond a request, a tenth of the
    emergency summary's budget; their output depends only on their parameters (the user's name and organisation, the
    navigation and which entry is current), so it is kept, per process, keyed by those parameters. Parameters must
    be JSON: nothing request-specific such as a CSRF token may go in, or every request would miss.
    """

    @lru_cache(maxsize=maxsize)
    def render(name: str, params: str) -> Markup:
        macro_name = re.sub(r"-(\w)", lambda match: match.group(1).upper(), name)
        macro = getattr(env.get_template(f"nhsuk/components/{name}/macro.jinja").module, macro_name)
        return macro(json.loads(params))  # a macro of an autoescaping environment returns Markup

    def component(name: str, params: dict) -> Markup:
        return render(name, json.dumps(params, sort_keys=True))

    return component


def environment(**options) -> Environment:
    """Build the Jinja2 environment Django's backend uses."""
    options.pop("loader", None)
    options.pop("autoescape", None)
    # The NHS.UK macros read optional parameters through missing keys, which only ChainableUndefined allows.
    options["undefined"] = ChainableUndefined
    env = Environment(
        autoescape=True,
        loader=ChoiceLoader(
            [
                FileSystemLoader(str(settings.PACKAGE_DIR / "templates")),
                PackageLoader("nhsuk_frontend_jinja"),
            ]
        ),
        **options,
    )
    env.filters.update({"localtime": timezone.localtime, "datetimeformat": datetimeformat, "longdate": longdate})
    env.globals.update(
        {
            "static": static,
            "url": url,
            "navigation_for": navigation_for,
            "header_for": header_for,
            "widget_name": widget_name,
            "page_url": page_url,
            "date_parts": date_parts,
            "format_nhs_number": format_nhs_number,
            "web_address": web_address,
            "choice_items": choice_items,
            "get_messages": messages.get_messages,
            "Permission": Permission,
            "demo_mode": lambda: settings.DEMO_MODE,
            "NHSUK_ASSET_PATH": settings.STATIC_URL + "nhsuk/assets",
        }
    )
    env.globals["component"] = memoised_components(env)
    return env
