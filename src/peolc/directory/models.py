"""The directory of services, shaped like the Open Referral UK 3.0 (HSDS 3.0, UK profile) data model.

Every ORUK object has a UUID ``id``, so records keep their identity when another directory consumes or re-imports
them. Names follow the standard (American spellings such as ``organization`` are the standard's field names) except
where peolc adds something the standard leaves to profiles: the link to the ICS's organisation, the editor's "last
reviewed" date, bank holiday opening and indexed coordinates for proximity search. One physical address per location
is kept on the location itself; the API shows it as the standard's ``addresses`` list.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.core.validators import URLValidator
from django.db import models

from peolc.core.models import Organisation

# Entries not reviewed for this long are flagged to their editor and left out of the "verified" filter.
REVIEW_INTERVAL = timedelta(days=183)
# Links in the directory are shown to the public: only web addresses, never javascript:, data: or file: ones.
WEB_ADDRESS = URLValidator(schemes=["http", "https"], message="Enter a web address starting http:// or https://.")


def _uuid_pk():
    return models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)


class Taxonomy(models.Model):
    """A vocabulary that classifies services (the PEoLC taxonomy ships as data; editors may extend it)."""

    id = _uuid_pk()
    name = models.CharField(max_length=200)
    description = models.TextField()
    uri = models.URLField(blank=True, validators=[WEB_ADDRESS])
    version = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name_plural = "taxonomies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(models.Model):
    """One term of a taxonomy, e.g. "Hospice at home"; ``code`` is the stable short name used in URLs."""

    id = _uuid_pk()
    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.PROTECT, related_name="terms")
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField()
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    term_uri = models.URLField(blank=True, validators=[WEB_ADDRESS])
    # Whether the gap map reports coverage of this term (the specialist end-of-life needs everyone should reach).
    gap_mapped = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DirectoryOrganization(models.Model):
    """An ORUK organization: who delivers services, tied to the ICS organisation when there is one."""

    id = _uuid_pk()
    organisation = models.OneToOneField(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="directory_organization"
    )
    name = models.CharField(max_length=200)
    description = models.TextField()
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True, validators=[WEB_ADDRESS])
    charity_number = models.CharField(max_length=20, blank=True)
    last_modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    DEFUNCT = "defunct", "Defunct"
    TEMPORARILY_CLOSED = "temporarily closed", "Temporarily closed"


class Service(models.Model):
    """An ORUK service, with eligibility kept on the service as ORUK 3.0 does."""

    id = _uuid_pk()
    organization = models.ForeignKey(DirectoryOrganization, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=200, db_index=True)
    description = models.TextField()
    url = models.URLField(blank=True, validators=[WEB_ADDRESS])
    email = models.EmailField(blank=True)
    status = models.CharField(max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE)
    eligibility_description = models.TextField(blank=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    alert = models.TextField(blank=True)
    accreditations = models.TextField(blank=True)
    last_reviewed = models.DateField(null=True, blank=True, db_index=True)
    reviewed_by = models.CharField(max_length=150, blank=True)
    last_modified = models.DateTimeField(db_index=True)
    # True when the service has no physical location (a telephone line, online support) and so serves the whole
    # area; kept by the actions and loaders, so a postcode search need not look for the absence of a location.
    area_wide = models.BooleanField(default=False, db_index=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def needs_review(self, today: date) -> bool:
        """Whether the entry has gone unreviewed for longer than the review interval."""
        return self.last_reviewed is None or self.last_reviewed < today - REVIEW_INTERVAL


class Location(models.Model):
    """Where services are delivered: a physical place (with coordinates and one address) or a virtual one."""

    id = _uuid_pk()
    organization = models.ForeignKey(
        DirectoryOrganization, null=True, blank=True, on_delete=models.PROTECT, related_name="locations"
    )
    location_type = models.CharField(
        max_length=10, choices=[("physical", "Physical"), ("virtual", "Virtual")], default="physical"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # Indexed so a proximity search can cut to a bounding box before computing exact distances.
    latitude = models.FloatField(null=True, blank=True, db_index=True)
    longitude = models.FloatField(null=True, blank=True, db_index=True)
    address_id = models.UUIDField(default=uuid.uuid4, editable=False)
    address_1 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state_province = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=8, blank=True)
    country = models.CharField(max_length=2, default="GB")
    lsoa_code = models.CharField(max_length=9, blank=True)

    def __str__(self) -> str:
        return self.name


class ServiceAtLocation(models.Model):
    """A service delivered at a location."""

    id = _uuid_pk()
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_at_locations")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="service_at_locations")
    description = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "location"], name="one_link_per_service_location")]


class Contact(models.Model):
    """A named contact (a person or a role) for a service."""

    id = _uuid_pk()
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    department = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)


class Phone(models.Model):
    """A telephone number for a service, or for one of its contacts."""

    id = _uuid_pk()
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="phones")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=30)
    type = models.CharField(max_length=10, default="voice")
    description = models.CharField(max_length=200, blank=True)


WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class Schedule(models.Model):
    """Regular opening hours: the days (RFC 5545 ``BYDAY``) and times a service is open, in Europe/London.

    ``all_day`` means open around the clock on those days; every day with ``all_day`` and bank holidays is 24/7.
    Bank holidays in England and Wales follow ``open_on_bank_holidays`` whatever weekday they fall on.
    """

    id = _uuid_pk()
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="schedules")
    byday = models.CharField(max_length=40, default="MO,TU,WE,TH,FR")
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    all_day = models.BooleanField(default=False)
    open_on_bank_holidays = models.BooleanField(default=False)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    @property
    def days(self) -> list[str]:
        return [d for d in self.byday.split(",") if d in WEEKDAYS]


class CostOption(models.Model):
    """A price for a service, or a statement that it is free."""

    id = _uuid_pk()
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="cost_options")
    option = models.CharField(max_length=200, blank=True)
    amount = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    amount_description = models.CharField(max_length=200, blank=True)


class ServiceArea(models.Model):
    """The area a service covers: a locality code, or the whole ICS."""

    id = _uuid_pk()
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_areas")
    name = models.CharField(max_length=200)
    locality_code = models.CharField(max_length=12, blank=True)


class Language(models.Model):
    """A language the service is delivered in without an interpreter."""

    id = _uuid_pk()
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="languages")
    name = models.CharField(max_length=100)
    code = models.CharField(max_length=10, blank=True)


class Accessibility(models.Model):
    """Arrangements at a location for people with disabilities."""

    id = _uuid_pk()
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="accessibility")
    description = models.TextField()
    details = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "accessibility"


class Funding(models.Model):
    """Who pays for a service."""

    id = _uuid_pk()
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="funding")
    source = models.CharField(max_length=200)


class Attribute(models.Model):
    """Classifies a service with a taxonomy term (ORUK's link between any object and a term)."""

    id = _uuid_pk()
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="attributes")
    taxonomy_term = models.ForeignKey(TaxonomyTerm, on_delete=models.PROTECT, related_name="attributes")
    link_type = models.CharField(max_length=40, default="service_type")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "taxonomy_term"], name="one_attribute_per_term")]
        indexes = [models.Index(fields=["taxonomy_term", "service"])]


class Metadata(models.Model):
    """ORUK change history: one row per changed field, naming who changed it and when."""

    id = _uuid_pk()
    resource_id = models.UUIDField(db_index=True)
    resource_type = models.CharField(max_length=40)
    last_action_date = models.DateTimeField(auto_now_add=True)
    last_action_type = models.CharField(max_length=20)
    field_name = models.CharField(max_length=60, blank=True)
    previous_value = models.TextField(blank=True)
    replacement_value = models.TextField(blank=True)
    updated_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-last_action_date"]


class Postcode(models.Model):
    """A postcode's centroid and LSOA, from the ONS Postcode Directory (or the synthetic ICS's made-up table)."""

    postcode = models.CharField(max_length=8, primary_key=True)
    lsoa_code = models.CharField(max_length=9, blank=True, db_index=True)
    latitude = models.FloatField()
    longitude = models.FloatField()

    def __str__(self) -> str:
        return self.postcode


class Area(models.Model):
    """One LSOA as the gap map sees it: where its people are, whose they are, and how much need it has.

    Loaded by ``peolc load`` from the pipeline's ``area_need`` (``peolc.analytics.population``); the centroid is the
    mean of the LSOA's postcode centroids.
    """

    lsoa_code = models.CharField(max_length=9, primary_key=True)
    locality_code = models.CharField(max_length=12, blank=True, db_index=True)
    pcn_code = models.CharField(max_length=12, blank=True, db_index=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    population = models.PositiveIntegerField(default=0)
    deaths = models.PositiveIntegerField(default=0)
    palliative_need = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.lsoa_code


class ServicePoint(models.Model):
    """Search index: one row per active service, taxonomy term and physical location (derived, never edited).

    A postcode search by term then reads one covering index range (term, latitude, longitude) instead of joining
    services, attributes and locations for thousands of candidates. Rebuilt by ``search.refresh_points`` whenever a
    service, its terms or its locations change.
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    taxonomy_term = models.ForeignKey(TaxonomyTerm, on_delete=models.CASCADE, related_name="+")
    latitude = models.FloatField()
    longitude = models.FloatField()

    class Meta:
        indexes = [
            models.Index(fields=["taxonomy_term", "latitude", "longitude", "service"], name="point_by_term"),
            models.Index(fields=["latitude", "longitude", "service"], name="point_by_place"),
        ]
