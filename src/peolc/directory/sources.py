"""Loading the directory's data from the linked dataset: postcodes, neighbourhood need, and the demo directory.

``load_directory_data`` suits any ICS (postcodes from its own contract files, each neighbourhood's need from the
pipeline's ``area_need`` output). ``load_demo_directory``
adds a believable set of made-up services for the synthetic ICS. Both are idempotent: records have stable ids
derived from what they describe, so re-running updates rather than duplicates.
"""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta
from pathlib import Path

import pyarrow.parquet as pq
from django.db import transaction
from django.utils import timezone

from peolc.analytics.contract import read_output
from peolc.core.audit import record_event
from peolc.core.models import Organisation
from peolc.directory import models as m
from peolc.directory.actions import load_postcodes
from peolc.directory.search import refresh_points
from peolc.directory.taxonomy import TAXONOMY_ID

OUTPUTS = ("area_need",)
_DEMO = uuid.uuid5(TAXONOMY_ID, "demo-directory")
WEEKDAYS = "MO,TU,WE,TH,FR"
EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"


def _id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(_DEMO, "/".join(parts))


def load_directory_data(data_dir: Path, out_dir: Path | None = None, *, system_actor: str = "peolc load"
                        ) -> dict[str, int]:
    """Load the postcode directory from the contract files, when ``postcodes`` is there, and each LSOA's need from
    the pipeline's ``area_need`` in ``out_dir``, when the pipeline has written it (the areas are kept otherwise)."""
    if not (data_dir / "postcodes.parquet").exists():
        return {"postcodes": 0, "areas": 0}
    # The output is checked before anything is written.
    rows = None
    if out_dir is not None and (Path(out_dir) / "area_need.parquet").exists():
        rows = [
            {**row, "pcn_code": row["pcn_code"] or "", "locality_code": row["locality_code"] or ""}
            for row in read_output(out_dir, "area_need").to_pylist()
        ]
    count = load_postcodes(pq.read_table(data_dir / "postcodes.parquet").to_pylist(), system_actor=system_actor)
    if rows is None:
        return {"postcodes": count, "areas": 0}
    with transaction.atomic():
        m.Area.objects.all().delete()
        m.Area.objects.bulk_create([m.Area(**row) for row in rows], batch_size=2000)
        record_event(None, "directory.areas.load", object_type="area", details={"count": len(rows)},
                     system_actor=system_actor)
    return {"postcodes": count, "areas": len(rows)}


class _Builder:
    """Creates or refreshes demo organisations and services with stable ids."""

    def __init__(self, today: date):
        self.today = today
        self.count = 0
        self.terms = {t.code: t for t in m.TaxonomyTerm.objects.all()}
        self.postcodes = {p.postcode: p for p in m.Postcode.objects.all()}

    def organization(self, key: str, name: str, description: str, organisation: Organisation | None = None,
                     charity: str = "") -> m.DirectoryOrganization:
        org, _ = m.DirectoryOrganization.objects.update_or_create(
            id=_id("org", key),
            defaults={"organisation": organisation, "name": name, "description": description,
                      "charity_number": charity, "website": f"https://example.org/{key.lower()}"})
        return org

    def service(self, org: m.DirectoryOrganization, key: str, name: str, terms: list[str], description: str, *,
                phone: str, postcode: str | None = None, address: str = "", city: str = "",
                schedule: tuple = (WEEKDAYS, time(9), time(17), False, False), eligibility: str = "",
                area: str = "Synthetic Shire", stale: bool = False, cost: str = "Free") -> m.Service:
        service_id = _id("service", key)
        where = self.postcodes.get(postcode or "")
        # A few entries have gone unchecked for too long, so editors see the "needs review" list working.
        reviewed = self.today - timedelta(days=240 if stale else 20 + self.count % 90)
        service, _ = m.Service.objects.update_or_create(
            id=service_id,
            defaults={"organization": org, "name": name, "description": description, "status": "active",
                      "eligibility_description": eligibility or "Adults with a life-limiting illness, their families "
                      "and carers, registered with a GP in Synthetic Shire.", "minimum_age": 18,
                      "last_reviewed": reviewed, "reviewed_by": "demo-directory-editor", "area_wide": where is None,
                      "last_modified": timezone.now()})
        self.count += 1
        for related in ("attributes", "phones", "schedules", "service_areas", "cost_options", "languages",
                        "funding", "service_at_locations"):
            getattr(service, related).all().delete()
        for code in terms:
            m.Attribute.objects.create(id=_id(key, "term", code), service=service, taxonomy_term=self.terms[code])
        m.Phone.objects.create(id=_id(key, "phone"), service=service, number=phone)
        days, opens, closes, all_day, bank = schedule
        m.Schedule.objects.create(id=_id(key, "schedule"), service=service, byday=days, opens_at=opens,
                                  closes_at=closes, all_day=all_day, open_on_bank_holidays=bank)
        m.ServiceArea.objects.create(id=_id(key, "area"), service=service, name=area)
        m.CostOption.objects.create(id=_id(key, "cost"), service=service, option=cost)
        m.Language.objects.create(id=_id(key, "lang"), service=service, name="English", code="en")
        m.Funding.objects.create(id=_id(key, "funding"), service=service,
                                 source="NHS Synthetic Shire ICB and charitable donations")
        if where is not None:
            location, _ = m.Location.objects.update_or_create(
                id=_id(key, "location"),
                defaults={"organization": org, "name": name, "address_1": address or f"1 {org.name} Way",
                          "city": city or "Synthetic Shire", "postal_code": where.postcode,
                          "latitude": where.latitude, "longitude": where.longitude, "lsoa_code": where.lsoa_code})
            if not location.accessibility.exists():
                m.Accessibility.objects.create(id=_id(key, "access"), location=location,
                                               description="Step-free access, accessible toilet and hearing loop.")
            m.ServiceAtLocation.objects.create(id=_id(key, "sal"), service=service, location=location)
        return service


ALWAYS = (EVERY_DAY, None, None, True, True)
OFFICE = (WEEKDAYS, time(9), time(17), False, False)
LONG_DAYS = (EVERY_DAY, time(8), time(20), False, True)
PHARMACY = ("MO,TU,WE,TH,FR,SA", time(9), time(18), False, False)


def load_demo_directory(data_dir: Path, out_dir: Path | None = None, *, today: date | None = None
                        ) -> dict[str, int]:
    """Load postcodes and need, then a believable directory for the synthetic ICS's organisations.

    Returns counts of postcodes, areas and services.
    """
    counts = load_directory_data(data_dir, out_dir)
    today = today or timezone.localdate()
    with transaction.atomic():
        b = _Builder(today)
        orgs = Organisation.objects.filter(active=True)
        by_type: dict[str, list[Organisation]] = {}
        for organisation in orgs.order_by("code"):
            by_type.setdefault(organisation.type, []).append(organisation)
        localities = by_type.get("locality", [])

        for n, hospice in enumerate(by_type.get("hospice", [])):
            org = b.organization(hospice.code, hospice.name, "An independent hospice caring for adults with "
                                 "life-limiting illness, and their families.", hospice, charity=f"99{n:05d}")
            pc, k = hospice.postcode, hospice.code
            b.service(org, f"{k}-ipu", f"{hospice.name} inpatient unit", ["hospice-inpatient"],
                      "Hospice beds for symptom control, respite and care in the last days of life.",
                      phone=f"0115 900 1{n}00", postcode=pc, schedule=ALWAYS,
                      eligibility="Adults referred by their GP, community nurse or hospital team.")
            b.service(org, f"{k}-hah", f"{hospice.name} hospice at home", ["hospice-at-home"],
                      "Nurses and healthcare assistants caring for people at home, day and night, in the last weeks "
                      "of life.", phone=f"0115 900 1{n}01", postcode=pc, schedule=ALWAYS, stale=n == 1)
            b.service(org, f"{k}-day", f"{hospice.name} day therapies", ["day-hospice", "spiritual-care"],
                      "Day services, complementary therapies, chaplaincy and wellbeing groups.",
                      phone=f"0115 900 1{n}02", postcode=pc, schedule=OFFICE)
            b.service(org, f"{k}-bereavement", f"{hospice.name} bereavement support", ["bereavement-support"],
                      "One-to-one counselling and groups for adults and children who have been bereaved.",
                      phone=f"0115 900 1{n}03", postcode=pc, schedule=OFFICE,
                      eligibility="Anyone bereaved, whether or not the person who died used the hospice.")
            b.service(org, f"{k}-carers", f"{hospice.name} carers' group", ["carers-support"],
                      "Fortnightly support group and practical advice for family carers.",
                      phone=f"0115 900 1{n}04", postcode=pc, schedule=("WE", time(14), time(16), False, False))
            b.service(org, f"{k}-carehomes", f"{hospice.name} care home support", ["care-home-support"],
                      "Palliative care education and in-reach for care home staff.", phone=f"0115 900 1{n}05",
                      postcode=pc, schedule=OFFICE, eligibility="Care homes in Synthetic Shire.")
            if n == 0:
                b.service(org, f"{k}-advice", "Synthetic Shire palliative care advice line (24/7)",
                          ["advice-line-24-7", "specialist-palliative-care"],
                          "Specialist palliative care nurses answer calls from patients, carers and professionals, "
                          "every hour of every day.", phone="0115 900 9999", schedule=ALWAYS,
                          eligibility="Anyone in Synthetic Shire: patients, carers and professionals.")

        for n, provider in enumerate(by_type.get("community_provider", [])):
            org = b.organization(provider.code, provider.name, "NHS community health services.", provider)
            b.service(org, f"{provider.code}-spc", f"{provider.name} community specialist palliative care team",
                      ["specialist-palliative-care"], "Clinical nurse specialists and consultants in palliative "
                      "medicine who see people at home.", phone=f"0115 910 2{n}00", postcode=provider.postcode,
                      schedule=LONG_DAYS)
            b.service(org, f"{provider.code}-equipment", f"{provider.name} equipment service", ["equipment"],
                      "Hospital beds, pressure-relieving mattresses, hoists and commodes delivered within 4 hours "
                      "for people at the end of life.", phone=f"0115 910 2{n}01", schedule=LONG_DAYS)
            for locality in localities:
                b.service(org, f"{provider.code}-{locality.code}-dn", f"{locality.name} district nursing",
                          ["community-nursing"], "District nurses caring for housebound people, including "
                          "syringe drivers and anticipatory medicines.", phone=f"0115 910 3{locality.code[-1]}0{n}",
                          postcode=_postcode_in(b, locality), schedule=(EVERY_DAY, time(8), time(22), False, True),
                          area=locality.name)

        for n, pharmacy in enumerate(by_type.get("pharmacy", [])):
            if n % 3 == 2:
                continue  # not every pharmacy stocks anticipatory medicines: the gaps are the point of the map
            org = b.organization(pharmacy.code, pharmacy.name, "A community pharmacy.", pharmacy)
            b.service(org, f"{pharmacy.code}-am", f"{pharmacy.name} anticipatory medicines",
                      ["anticipatory-medicines-pharmacy"], "Stocks the core anticipatory (just in case) medicines "
                      "for end of life care, so prescriptions can be collected without delay.",
                      phone=f"0115 920 {n:04d}", postcode=pharmacy.postcode,
                      schedule=PHARMACY if n % 4 else (EVERY_DAY, time(7), time(23), False, True),
                      eligibility="Anyone with a prescription.", stale=n == 4)

        for n, trust in enumerate(by_type.get("acute_trust", [])):
            org = b.organization(trust.code, trust.name, "An NHS acute hospital trust.", trust)
            b.service(org, f"{trust.code}-hpct", f"{trust.name} hospital palliative care team",
                      ["hospital-palliative-care"], "Specialist palliative care advice and review for inpatients.",
                      phone=f"0115 930 {n}000", postcode=trust.postcode, schedule=LONG_DAYS,
                      eligibility="Inpatients, referred by their ward team.")

        for n, council in enumerate(by_type.get("local_authority", [])):
            org = b.organization(council.code, council.name, "The local authority.", council)
            b.service(org, f"{council.code}-fasttrack", f"{council.name} end of life home care",
                      ["social-care"], "Fast-track home care packages for people in the last weeks of life.",
                      phone=f"0115 940 {n}000", postcode=council.postcode, schedule=OFFICE,
                      eligibility="Adults living in the council's area.", cost="Free under fast-track funding")
            b.service(org, f"{council.code}-carers", f"{council.name} carers' assessments", ["carers-support"],
                      "A carer's assessment and support plan for unpaid carers.", phone=f"0115 940 {n}001",
                      postcode=council.postcode, schedule=OFFICE, stale=n == 1)

        for urgent in by_type.get("urgent_care", []):
            org = b.organization(urgent.code, urgent.name, "NHS 111 and the out-of-hours GP service.", urgent)
            b.service(org, f"{urgent.code}-111", "NHS 111 palliative care option", ["advice-line-24-7"],
                      "Call 111 and choose the palliative care option to reach a clinician who can see the "
                      "person's care plan.", phone="111", schedule=ALWAYS, eligibility="Anyone.")

        for n, home in enumerate(by_type.get("care_home", [])[:6]):
            org = b.organization(home.code, home.name, "A care home.", home)
            b.service(org, f"{home.code}-respite", f"{home.name} respite and end of life care",
                      ["carers-support", "social-care"], "Short stays to give family carers a break, and end of "
                      "life care for residents.", phone=f"0115 950 {n:04d}", postcode=home.postcode,
                      schedule=ALWAYS, cost="Charges apply; may be funded by the council or NHS")

        voluntary = [
            ("VOL-COMPASSION", "Synthetic Shire Compassionate Neighbours", "compassionate-communities",
             "Trained volunteers who befriend people with a life-limiting illness and their carers."),
            ("VOL-CARERS", "Synthetic Shire Carers' Centre", "carers-support",
             "Advice, breaks and peer support for unpaid carers of all ages."),
            ("VOL-BEREAVE", "Riverside Bereavement Service", "bereavement-support",
             "Free bereavement counselling by trained volunteers."),
            ("VOL-FAITH", "Synthetic Shire Faith Forum end of life support", "spiritual-care",
             "Faith leaders and volunteers offering spiritual and religious support at home."),
            ("VOL-ACP", "Talk About Tomorrow", "advance-care-planning",
             "Sessions that help people talk about and record their wishes for future care."),
        ]
        for n, (key, name, term, description) in enumerate(voluntary):
            org = b.organization(key, name, description, None, charity=f"88{n:05d}")
            place = localities[n % len(localities)] if localities else None
            b.service(org, f"{key}-main", name, [term], description, phone=f"0115 960 {n:04d}",
                      postcode=_postcode_in(b, place) if place else None, schedule=OFFICE, stale=n == 2)
        refresh_points(m.Service.objects.values_list("id", flat=True))
        record_event(None, "directory.demo.load", object_type="directory_service", details={"services": b.count},
                     system_actor="peolc load")
    return {**counts, "services": b.count}


def _postcode_in(builder: _Builder, locality: Organisation) -> str | None:
    """A postcode in the locality: the first of its organisations' postcodes that the directory knows."""
    codes = Organisation.objects.filter(locality=locality).exclude(postcode="").order_by("code")
    return next((o.postcode for o in codes if o.postcode in builder.postcodes), None)
