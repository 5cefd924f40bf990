"""How a characteristic's run rules read in the audit trail: one row per changed rule,
"Rule 2: 9 in a row → 8 in a row" (registered with ``audit.display`` on import)."""

from __future__ import annotations

from typing import Any

from audit.display import EMPTY, ChangeRow, register_formatter
from spc.core.rule_specs import COUNTED, RuleSpec, spec_from_entry


def _run(spec: RuleSpec) -> str:
    if spec.rule == 1:
        return f"beyond {spec.sigma:g}σ" if spec.sigma else "on"
    if spec.rule in COUNTED:
        return f"{spec.count} of {spec.length}"
    return f"{spec.length} in a row"


def _spec(key: str, rules: Any) -> RuleSpec | None:
    entry = rules.get(key) if isinstance(rules, dict) else None
    if not isinstance(entry, dict) or entry.get("enabled") is False:
        return None
    try:
        return spec_from_entry(key, entry)
    except ValueError:
        return None


def rule_rows(old: Any, new: Any) -> list[ChangeRow]:
    """A row per rule whose switch, run or severity differs between the stored ``old`` and
    ``new`` rules JSON; "off" for a rule switched off, the severity where it changed."""
    rows = []
    for key in [str(i) for i in range(1, 9)]:
        before, after = _spec(key, old), _spec(key, new)
        if before == after:
            continue
        texts = [_run(s) if s else "off" for s in (before, after)]
        if before and after and before.severity != after.severity:
            texts = [
                f"{texts[0]}, {before.severity.value.lower()}",
                f"{texts[1]}, {after.severity.value.lower()}",
            ]
        if old is None:
            texts[0] = EMPTY
        rows.append(ChangeRow(f"Rule {key}", *texts))
    return rows


register_formatter("spc.Characteristic", "rules", rule_rows)
