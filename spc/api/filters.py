"""Filters of the characteristics and samples lists."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from hierarchy.api.filters import subtree_filter
from openspc.api_filters import UTCIsoDateTimeFilter
from spc.choices import CHART_TYPE_CHOICES, Provider, SampleSource
from spc.models import Characteristic, Sample


class CharacteristicFilter(django_filters.FilterSet):
    """By hierarchy subtree, chart type, provider and active flag."""

    hierarchy = subtree_filter("hierarchy__path")
    chart_type = django_filters.ChoiceFilter(choices=CHART_TYPE_CHOICES)
    provider = django_filters.ChoiceFilter(choices=Provider.choices)

    class Meta:
        model = Characteristic
        fields = ["hierarchy", "chart_type", "provider", "active"]


class SampleFilter(django_filters.FilterSet):
    """By characteristic, hierarchy subtree, time range, exclusion, source, violations."""

    hierarchy = subtree_filter("characteristic__hierarchy__path")
    start = UTCIsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    end = UTCIsoDateTimeFilter(field_name="timestamp", lookup_expr="lte")
    source = django_filters.ChoiceFilter(choices=SampleSource.choices)
    has_violations = django_filters.BooleanFilter(method="with_violations")

    class Meta:
        model = Sample
        fields = ["characteristic", "hierarchy", "start", "end", "is_excluded", "source"]

    def with_violations(
        self, queryset: QuerySet[Sample], name: str, value: bool
    ) -> QuerySet[Sample]:
        return queryset.filter(violations__isnull=not value).distinct()
