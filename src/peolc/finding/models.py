"""Identification outputs loaded for display: the latest run's candidates, prevalence and segments."""

from __future__ import annotations

import uuid

from django.db import models

from peolc.core.models import Organisation


class IdentificationRun(models.Model):
    """One load of the identification pipeline's outputs, with the model's measured performance."""

    as_at = models.DateField()
    loaded_at = models.DateTimeField(auto_now_add=True)
    performance = models.JSONField(default=dict)
    model_terms = models.JSONField(default=list)
    calibration = models.JSONField(default=list)
    summary = models.JSONField(default=list)

    class Meta:
        ordering = ["-loaded_at"]
        get_latest_by = "loaded_at"


class CandidateStatus(models.TextChoices):
    TO_REVIEW = "to_review", "To review"
    ADDED = "added", "Added to the register"
    NOT_APPROPRIATE = "not_appropriate", "Reviewed: not appropriate now"


class Candidate(models.Model):
    """Someone probably in their last year of life who is not on the register, with the reasons."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    run = models.ForeignKey(IdentificationRun, on_delete=models.CASCADE, related_name="candidates")
    patient_id = models.BigIntegerField()
    nhs_number = models.CharField(max_length=10)
    practice = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="candidates")
    pcn_code = models.CharField(max_length=12)
    age = models.PositiveSmallIntegerField()
    sex = models.CharField(max_length=8)
    probability = models.FloatField()
    risk_band = models.CharField(max_length=16)
    segment = models.CharField(max_length=24)
    rank_in_practice = models.PositiveIntegerField()
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=CandidateStatus.choices, default=CandidateStatus.TO_REVIEW)
    reviewed_by = models.CharField(max_length=150, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["practice", "rank_in_practice"]
        indexes = [models.Index(fields=["practice", "status", "rank_in_practice"])]


class PrevalenceRow(models.Model):
    """Register prevalence against expected deaths for one practice, PCN, locality or the ICS."""

    run = models.ForeignKey(IdentificationRun, on_delete=models.CASCADE, related_name="prevalence")
    level = models.CharField(max_length=10)
    org_code = models.CharField(max_length=12)
    list_size = models.PositiveIntegerField()
    on_register = models.PositiveIntegerField()
    candidates = models.PositiveIntegerField()
    expected_deaths_12m = models.FloatField()
    observed_deaths_prior_year = models.PositiveIntegerField()

    class Meta:
        ordering = ["level", "org_code"]


class SegmentCount(models.Model):
    """People in one population segment, risk band and age band of one area."""

    run = models.ForeignKey(IdentificationRun, on_delete=models.CASCADE, related_name="segments")
    level = models.CharField(max_length=10)
    org_code = models.CharField(max_length=12)
    segment = models.CharField(max_length=24)
    risk_band = models.CharField(max_length=16)
    age_band = models.CharField(max_length=8)
    people = models.PositiveIntegerField()
    on_register = models.PositiveIntegerField()
    expected_deaths_12m = models.FloatField()
