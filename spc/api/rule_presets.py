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
from spc.core.rule_specs import SECONDARY_KEY


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


def settle_preset(instance: Any, attrs: dict[str, Any]) -> None:
    """A write's ``rule_preset`` and ``rules`` made consistent, in place.

    A preset named (``"AIAG@1"`` or ``"AIAG"`` for its latest version) sets the primary
    rules to it, keeping the R/S/MR pane's entry (from the write, else the stored rules);
    ``""`` clears the name only. Without a preset, rules that differ from the stored
    preset clear its name. ``ValidationError`` on ``rule_preset`` for an unknown one.
    """
    if attrs.get("rule_preset"):
        try:
            chosen = rule_presets.get(attrs["rule_preset"])
        except KeyError:
            known = ", ".join(p.ident for p in rule_presets.PRESETS)
            raise serializers.ValidationError(
                {"rule_preset": [f"Unknown rule preset; choose one of {known}."]}
            ) from None
        base = attrs.get("rules", getattr(instance, "rules", None))
        rules = chosen.mapping()
        if isinstance(base, dict) and SECONDARY_KEY in base:
            rules[SECONDARY_KEY] = base[SECONDARY_KEY]
        attrs["rules"], attrs["rule_preset"] = rules, chosen.ident
    elif (
        "rules" in attrs
        and "rule_preset" not in attrs
        and not still_preset(instance, attrs["rules"])
    ):
        attrs["rule_preset"] = ""


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
