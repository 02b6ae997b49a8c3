"""The outcomes framework's computed values, loaded from the indicators pipeline for its pages."""

from __future__ import annotations

import math

from django.db import models


def _finite(value: float | None) -> float | None:
    # PostgreSQL keeps NaN in a float column; a page shows nothing for it, as for NULL.
    return value if value is not None and math.isfinite(value) else None


class IndicatorLoad(models.Model):
    """One load of the indicators pipeline's outputs."""

    as_at = models.DateField()
    loaded_at = models.DateTimeField(auto_now_add=True)


class Indicator(models.Model):
    """An indicator's definition, as its definition file states it."""

    id = models.CharField(max_length=64, primary_key=True)
    title = models.CharField(max_length=200)
    description = models.TextField()
    ambitions = models.JSONField(default=list)
    type = models.CharField(max_length=16)
    unit = models.CharField(max_length=32)
    polarity = models.CharField(max_length=24)
    statistical_method = models.CharField(max_length=32)
    numerator_description = models.TextField()
    denominator_description = models.TextField()
    rationale = models.TextField()
    source = models.TextField()
    suppression_rule = models.TextField()
    review_date = models.DateField(null=True)
    definition = models.JSONField(default=dict)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Period(models.Model):
    period_type = models.CharField(max_length=24)
    period = models.CharField(max_length=24)
    start = models.DateField()
    end = models.DateField()
    order = models.IntegerField()

    class Meta:
        ordering = ["period_type", "order"]


class IndicatorValue(models.Model):
    """One figure: an indicator for a period, an area and a breakdown value, with its interval and comparisons."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    period_type = models.CharField(max_length=24)
    period = models.CharField(max_length=24)
    period_order = models.IntegerField()
    area_type = models.CharField(max_length=12)
    area_code = models.CharField(max_length=12)
    area_name = models.CharField(max_length=200)
    breakdown = models.CharField(max_length=16)
    breakdown_value = models.CharField(max_length=64)
    numerator = models.FloatField(null=True)
    denominator = models.FloatField(null=True)
    value = models.FloatField(null=True)
    lower_95 = models.FloatField(null=True)
    upper_95 = models.FloatField(null=True)
    lower_998 = models.FloatField(null=True)
    upper_998 = models.FloatField(null=True)
    benchmark_type = models.CharField(max_length=24)
    benchmark_value = models.FloatField(null=True)
    comparison = models.CharField(max_length=16)
    trend = models.CharField(max_length=24)
    trend_p_value = models.FloatField(null=True)
    suppressed = models.BooleanField(default=False)
    suppression_reason = models.CharField(max_length=16, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["indicator", "period_type", "period", "area_type", "breakdown"]),
            models.Index(fields=["period_type", "period", "area_type", "area_code", "breakdown"]),
        ]


class Inequality(models.Model):
    """Slope and relative indices of inequality across deprivation quintiles."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="inequalities")
    period_type = models.CharField(max_length=24)
    period = models.CharField(max_length=24)
    area_type = models.CharField(max_length=12)
    area_code = models.CharField(max_length=12)
    sii = models.FloatField(null=True)
    sii_lower_95 = models.FloatField(null=True)
    sii_upper_95 = models.FloatField(null=True)
    rii = models.FloatField(null=True)
    rii_lower_95 = models.FloatField(null=True)
    rii_upper_95 = models.FloatField(null=True)
    any_quintile_suppressed = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["indicator", "period_type", "period", "area_type", "area_code"])]

    @property
    def sii_value(self) -> float | None:
        """The slope index, or None when it could not be computed."""
        return _finite(self.sii)

    @property
    def rii_value(self) -> float | None:
        """The relative index, or None when it could not be computed."""
        return _finite(self.rii)

    @property
    def sii_interval(self) -> tuple[float, float] | None:
        """The slope index's 95% interval, or None when either limit could not be computed."""
        lower, upper = _finite(self.sii_lower_95), _finite(self.sii_upper_95)
        return None if lower is None or upper is None else (lower, upper)
