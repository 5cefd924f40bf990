"""``GET /api/v1/rule-presets/``: the published rule sets a characteristic's rules can be
set from (``spc.core.rule_presets``), every version, read-only."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from spc.core import rule_presets


class RulePresetSerializer(serializers.Serializer[Any]):
    """One version of a published rule set."""

    id = serializers.CharField(
        help_text='"<KEY>@<version>", as in a characteristic\'s rule_preset.'
    )
    key = serializers.CharField(help_text="NELSON, WESTERN_ELECTRIC, AIAG, JURAN, MONTGOMERY.")
    version = serializers.IntegerField()
    latest = serializers.BooleanField(help_text="The newest version of this key.")
    name = serializers.CharField()
    rules = serializers.DictField(
        child=serializers.DictField(),
        help_text="The characteristic rules mapping the preset sets (rule number -> severity "
        "and the parameters that differ from Nelson's).",
    )
    source = serializers.CharField(  # type: ignore[assignment] # a field, not Field.source
        help_text="The publication the parameters come from."
    )
    notes = serializers.CharField(allow_blank=True)


def preset_rows() -> list[dict[str, Any]]:
    """Every preset version, as the API lists them."""
    return [
        {
            "id": p.ident,
            "key": p.key,
            "version": p.version,
            "latest": rule_presets.LATEST[p.key] is p,
            "name": p.name,
            "rules": rule_presets.normalized(p.rules),
            "source": p.source,
            "notes": p.notes,
        }
        for p in rule_presets.PRESETS
    ]


def still_preset(instance: Any, rules: Any) -> bool:
    """True when ``rules`` are still the preset ``instance`` was set from."""
    ident = getattr(instance, "rule_preset", "") or ""
    try:
        return bool(ident) and rule_presets.same_rules(rules, rule_presets.get(ident))
    except KeyError:
        return False


class RulePresetList(APIView):
    """The published rule sets (Nelson, Western Electric, AIAG, Juran, Montgomery)."""

    @extend_schema(responses=RulePresetSerializer(many=True), operation_id="rule_presets_list")
    def get(self, request: Request) -> Response:
        """Every version of every preset, with its rules and source."""
        return Response(RulePresetSerializer(preset_rows(), many=True).data)
