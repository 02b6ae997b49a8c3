"""CSV downloads cannot carry spreadsheet formulas, and chart JSON cannot break out of its script element."""

import csv
import io
import json
import re
from datetime import date

import pytest
from django.urls import reverse

from peolc.core.csvfiles import safe_cell
from peolc.register.actions import add_to_register

FORMULA = '=HYPERLINK("http://x","y")'
SCRIPT_BREAKERS = '<!--<script> </script><img src=x onerror=alert(1)> & \u2028\u2029'


@pytest.mark.parametrize(("value", "expected"), [
    (FORMULA, "'" + FORMULA), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"), ("-2+3+cmd|x", "'-2+3+cmd|x"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("Ada", "Ada"), ("", ""), (None, None), (-5, -5), (-0.25, -0.25), ("-5", "-5"), ("-1.5e3", "-1.5e3"),
    ("a=b", "a=b"),
])
def test_text_that_could_start_a_formula_is_neutralised_and_numbers_stay_numbers(value, expected):
    assert safe_cell(value) == expected


def read_csv(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_register_export_neutralises_a_formula_in_a_name(client, make_user, ics):
    gp = make_user("gp", "gp", ics["practice"])
    add_to_register(gp, person={
        "nhs_number": "9990000018", "given_name": FORMULA, "family_name": "@SUM(1+1)", "sex": "female",
        "date_of_birth": date(1940, 3, 14), "postcode": "le1 1aa", "practice": ics["practice"],
    }, entry={"prognosis": "months", "main_diagnosis": "cancer", "consent_to_share": "given",
              "identification_route": "clinician", "date_added": date(2024, 1, 10)})
    client.force_login(gp)
    header, row = read_csv(client.get(reverse("register:export")))
    assert row[header.index("given_name")] == "'" + FORMULA
    assert row[header.index("family_name")] == "'@SUM(1+1)"


def test_aggregate_downloads_neutralise_an_organisation_name(client, loaded, make_user, ics):
    ics["practice"].name = FORMULA
    ics["practice"].save()
    client.force_login(make_user("analyst", "icb_analyst", ics["icb"]))
    rows = read_csv(client.get(reverse("finding:population"), {"format": "csv", "level": "practice"}))
    assert rows[1][:2] == ["'" + FORMULA, "Y99001"]
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_chart_json_is_escaped_for_its_script_element_and_still_parses(client, loaded, make_user, ics):
    ics["practice"].name = SCRIPT_BREAKERS
    ics["practice"].save()
    client.force_login(make_user("analyst", "icb_analyst", ics["icb"]))
    page = client.get(reverse("finding:population"), {"level": "practice"}).content.decode()
    scripts = re.findall(r'<script type="application/json" id="([^"]+)-spec">(.*?)</script>', page, re.S)
    assert scripts
    for _, body in scripts:
        assert not set(body) & {"<", ">", "&", "\u2028", "\u2029"}
        json.loads(body)
    labels = json.dumps([json.loads(body) for _, body in scripts])
    assert json.dumps(SCRIPT_BREAKERS)[1:-1] in labels
