"""A pack's rules, values and decision tables as data: what `mcrules rules show` prints, for a
program to read (the HTTP service's `GET /v1/packs/{id}/rules/{rule}`).

Built from the loaded pack only, never recomputed; where the text names the file a declaration
is written in, this gives it relative to the packs' folder (`mct-2023/wash.yaml:4`), so a
server's own paths are not shown to its callers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcrules.engine.explain import describe

if TYPE_CHECKING:
    from mcrules.rules.ir import Citation, DecisionTable, Rule, ValueDecl
    from mcrules.rules.pack import Pack


def declaration_dict(pack: Pack, declaration_id: str, on: dt.date) -> dict[str, Any]:
    """The rule, value or decision table `declaration_id` of `pack` as data (`kind` says which),
    its parameters' values in force on `on`; McrulesError (the pack's own, with "did you mean")
    when the pack has none of that id."""
    if any(v.id == declaration_id for v in pack.values):
        return value_dict(pack, pack.value(declaration_id))
    if any(d.id == declaration_id for d in pack.decisions):
        return decision_dict(pack, pack.decision(declaration_id))
    return rule_dict(pack, pack.rule(declaration_id), on)


def rule_dict(pack: Pack, rule: Rule, on: dt.date) -> dict[str, Any]:
    """A rule: its check, applicability, requirement, hash, parameters with their dated values,
    sources and the disagreements between them."""
    parameters = []
    for name in rule.params:
        param = pack.parameters[name]
        since = param.in_force_since(on)
        parameters.append({
            "name": name,
            "value": pack.describe_parameter(name),
            "description": param.description,
            "valid": param.bounds_text() or None,
            "dated_values": [{"from": start.isoformat(), "value": param.text(value),
                              "in_force": start == since}
                             for start, value in param.dated_values],
            "citations": _citations(param.citations),
        })
    return {
        "kind": "rule",
        "pack": pack.id,
        "pack_version": pack.version,
        "id": rule.id,
        "title": rule.title,
        "severity": rule.severity.value,
        "description": rule.description.strip() if rule.description else "",
        "each": rule.each or None,
        "applies_if": rule.applies_if_text or None,
        "check": rule.check_text,
        "requirement": rule.requirement or None,
        "rule_hash": pack.rule_hashes[rule.id],
        "parameters": parameters,
        "citations": _citations(rule.citations),
        "disagreements": [{"topic": d.topic, "default": " ".join(d.default.split()),
                           "alternative": " ".join(d.alternative.split()),
                           "variant": d.variant or None} for d in rule.disagreements],
        "defined_at": _where(pack, rule.source),
    }


def value_dict(pack: Pack, value: ValueDecl) -> dict[str, Any]:
    """A value: its expression, type and scale, and its sources."""
    return {
        "kind": "value",
        "pack": pack.id,
        "pack_version": pack.version,
        "id": value.id,
        "title": value.title,
        "description": value.description.strip() if value.description else "",
        "type": value.type,
        "expression": value.expr_text,
        "scale": list(value.scale),
        "citations": _citations(value.citations),
        "defined_at": _where(pack, value.source),
    }


def decision_dict(pack: Pack, table: DecisionTable) -> dict[str, Any]:
    """A decision table: its inputs, rows (the default last, numbered 0) with their outputs,
    reasons and obligations, its hit policy and what an unknown input yields."""
    rows = list(table.rows) + ([table.default] if table.default is not None else [])
    return {
        "kind": "decision",
        "pack": pack.id,
        "pack_version": pack.version,
        "id": table.id,
        "title": table.title,
        "description": table.description.strip() if table.description else "",
        "hit_policy": table.hit_policy,
        "on_unknown": table.on_unknown,
        "outputs": list(table.outputs),
        "inputs": [{"name": i.name, "expression": describe(i.expr)} for i in table.inputs],
        "rows": [{"number": r.number,
                  "cells": {c.input: c.text for c in r.cells},
                  "output": r.output, "reasons": list(r.reasons),
                  "obligations": list(r.obligations), "citations": _citations(r.citations)}
                 for r in rows],
        "citations": _citations(table.citations),
        "defined_at": _where(pack, table.source),
    }


def _citations(citations: tuple[Citation, ...]) -> list[dict[str, Any]]:
    return [{**c.as_dict(), "reference": c.reference()} for c in citations]


def _where(pack: Pack, source: str) -> str:
    """`source` (`/…/rules/mct-2023/wash.yaml:4`) relative to the folder holding the pack."""
    if pack.path is None:
        return source
    base = str(Path(pack.path).parent) + "/"
    return source[len(base):] if source.startswith(base) else Path(source).name
