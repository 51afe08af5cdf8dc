"""A loaded rule pack: rules, parameters, variants, documents; and its content hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson

from mcrules.errors import McrulesError
from mcrules.rules.ir import (
    Aggregate,
    Citation,
    DecisionTable,
    Document,
    Expr,
    Parameter,
    Rule,
    Severity,
    ValueDecl,
)
from mcrules.rules.overlay import OverlayFloor
from mcrules.rules.parameter_values import (
    LATEST,
    checked_value,
    set_scale_violation,
    value_in_force,
)
from mcrules.rules.plan import Step
from mcrules.source import read_input
from mcrules.units import format_unit

TITLE_FIELD = re.compile(r"\{([a-z][a-z0-9_]*)(:number)?\}")
NAME_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


DATA_FILES = ("catalogue.yaml",)
"""Data files a domain reads from a pack's folder (docs/packs.md): part of its content hash."""


@dataclass(frozen=True)
class Variant:
    """A named alternative reading of the sources: other parameter values or severities."""

    id: str
    description: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    severities: Mapping[str, Severity] = field(default_factory=dict)
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True, eq=False)
class Pack:
    """A rule pack as loaded from `rules/<id>/`, possibly configured with variants and overrides."""

    id: str
    title: str
    version: str
    description: str
    rules: tuple[Rule, ...]
    parameters: Mapping[str, Parameter]
    definitions: Mapping[str, Expr]
    definition_texts: Mapping[str, str]
    documents: Mapping[str, Document]
    variants: Mapping[str, Variant]
    path: Path | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    applied_variants: tuple[str, ...] = ()
    overrides: Mapping[str, str] = field(default_factory=dict)
    values: tuple[ValueDecl, ...] = ()
    decisions: tuple[DecisionTable, ...] = ()
    aggregates: Mapping[str, Aggregate] = field(default_factory=dict)
    plan: tuple[Step, ...] = ()
    overlays: str = ""
    """The pack this one overlays, as `id@version`; empty for a pack of its own rules."""
    floors: Mapping[str, OverlayFloor] = field(default_factory=dict)
    """For an overlay: each parameter it tightened, so a variant of the base pack cannot loosen
    it again (the effective value is always the stricter of the variant's and the overlay's)."""
    requires: tuple[str, ...] = ()
    """The packs whose declarations this one reads (`requires:` in pack.yaml), as `id@version`."""
    imported: frozenset[str] = frozenset()
    """The ids of the rules, values and decisions those packs brought in: evaluated here, tested
    and linted there."""
    required_folders: tuple[Path, ...] = ()
    """The folders of the required packs, transitively, so a cache can tell when they change."""
    short_title: str = ""
    """How a sentence names the pack ("Sphere 2018"); the id when the pack gives none."""
    replaces: str = ""
    """The default pack this one replaces rather than tightens (`replaces:` in pack.yaml): a
    domain that evaluates a subject's default pack beside a programme's drops it only then."""
    data_hashes: Mapping[str, str] | None = field(default=None, compare=False)
    """sha256 of each data file of the pack's folder (`DATA_FILES`), read once when the pack is
    made (a configured copy keeps them), so the content hash is the files' as loaded."""

    def __post_init__(self) -> None:
        if self.data_hashes is None:
            object.__setattr__(self, "data_hashes", self._read_data_hashes())

    @property
    def name(self) -> str:
        return self.short_title or self.id

    def owns(self, rule_id: str) -> bool:
        """Whether this pack decides the rule, value or decision table: every one of a pack of
        its own but those a required pack brought in; for an overlay, the rules that read a
        threshold it tightened (the others are the base pack's to test)."""
        if rule_id in self.imported:
            return False
        if not self.overlays:
            return True
        return any(rule_id in f.rules for f in self.floors.values())

    @property
    def subjects(self) -> tuple[str, ...]:
        """The subjects this pack's rules, values and decisions are about, in first-use order."""
        seen = dict.fromkeys([*(r.subject for r in self.rules), *(v.subject for v in self.values),
                              *(d.subject for d in self.decisions)])
        return tuple(seen)

    def value(self, value_id: str) -> ValueDecl:
        for v in self.values:
            if v.id == value_id:
                return v
        raise McrulesError(f"no value {value_id!r} in pack {self.id}")

    def decision(self, decision_id: str) -> DecisionTable:
        for d in self.decisions:
            if d.id == decision_id:
                return d
        raise McrulesError(f"no decision table {decision_id!r} in pack {self.id}")

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id; McrulesError naming close ids if there is none."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        import difflib

        close = difflib.get_close_matches(rule_id, [r.id for r in self.rules], n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise McrulesError(f"no rule {rule_id!r} in pack {self.id}{hint}")

    def configure(
        self,
        variants: Iterable[str] = (),
        parameters: Mapping[str, str | float] | None = None,
        as_of: dt.date | None = None,
    ) -> Pack:
        """A copy with variants applied, then parameter overrides (``{"name": "15 L/person/day"}``),
        keeping only rules in force on `as_of` when given.

        Dated parameters take the value in force on `as_of`, or without one their latest value
        (`LATEST`: this layer never reads the clock), before variants and overrides, which
        replace a schedule by one value. Every value is bound-checked.
        """
        on = as_of if as_of is not None else LATEST
        pack = self._on_date(on)
        for vid in variants:
            variant = self.variants.get(vid)
            if variant is None:
                known = ", ".join(sorted(self.variants)) or "none"
                raise McrulesError(f"pack {self.id} has no variant {vid!r} (known: {known})")
            pack = pack._with_parameters(variant.parameters)._floored(on)
            rules = tuple(
                replace(r, severity=variant.severities[r.id]) if r.id in variant.severities else r
                for r in pack.rules
            )
            pack = replace(pack, rules=rules, applied_variants=(*pack.applied_variants, vid))
        if parameters:
            pack = pack._with_parameters(parameters)
            pack = replace(pack, overrides={**pack.overrides,
                                            **{k: str(v) for k, v in parameters.items()}})
        if as_of is not None:
            in_force = pack.in_force(as_of)
            pack = replace(pack, rules=tuple(r for r in pack.rules if in_force and r.in_force(as_of)))
        return pack

    def in_force(self, on: dt.date) -> bool:
        """Whether the pack itself is effective on `on` (from inclusive, to exclusive)."""
        if self.effective_from is not None and on < self.effective_from:
            return False
        return not (self.effective_to is not None and on >= self.effective_to)

    def render_title(self, template: str) -> str:
        """A title with `{param}` (value and unit) or `{param:number}` filled in from this pack."""
        def fill(m: re.Match[str]) -> str:
            p = self.parameters[m.group(1)]
            number = f"{p.value:g}"
            return number if m.group(2) else f"{number} {format_unit(p.unit)}".strip()
        return TITLE_FIELD.sub(fill, template)

    def on_date(self, on: dt.date) -> Pack:
        """Each dated parameter at its value in force on `on` (titles too), every rule kept; self
        when none is dated. What every evaluation does with its date (`check_facts`, bulk), so a
        pack configured for one date, or loaded without one, is evaluated on another correctly."""
        return self._on_date(on)

    def _on_date(self, on: dt.date) -> Pack:
        """Each dated parameter set to its value in force on `on`; self if none is dated."""
        if not any(p.dated_values for p in self.parameters.values()):
            return self
        params = {n: replace(p, value=value_in_force(p, on)) if p.dated_values else p
                  for n, p in self.parameters.items()}
        return replace(self, parameters=params)._retitled()

    def _with_parameters(self, values: Mapping[str, str | float]) -> Pack:
        params = dict(self.parameters)
        for name, raw in values.items():
            old = params.get(name)
            if old is None:
                known = ", ".join(sorted(params))
                raise McrulesError(f"pack {self.id} has no parameter {name!r} (known: {known})")
            params[name] = replace(old, value=checked_value(old, raw), dated_values=())
        problem = set_scale_violation(params, {name: params[name].value for name in values})
        if problem is not None:
            raise McrulesError(f"pack {self.id}: {problem}")
        return replace(self, parameters=params)._retitled()

    def _floored(self, on: dt.date) -> Pack:
        """Each parameter an overlay tightened at least as strict as the overlay's value on `on`."""
        if not self.floors:
            return self
        params = dict(self.parameters)
        for name, floor in self.floors.items():
            p = params[name]
            stricter = floor.stricter(p.value, on)
            if stricter != p.value:
                params[name] = replace(p, value=stricter, dated_values=())
        return replace(self, parameters=params)._retitled()

    def _retitled(self) -> Pack:
        """Titles that name parameters (`{people_per_toilet:number}`) rendered with this pack's."""
        rules = tuple(replace(r, title=self.render_title(r.title_template)) if r.title_template
                      else r for r in self.rules)
        return replace(self, rules=rules)

    @cached_property
    def content_hash(self) -> str:
        """sha256 of everything that decides a verdict: rules, severities, parameter values."""
        return hashlib.sha256(orjson.dumps(self.fingerprint(), option=orjson.OPT_SORT_KEYS)).hexdigest()

    def _read_data_hashes(self) -> dict[str, str]:
        """sha256 of each data file beside pack.yaml that a domain reads to decide (a field or
        factor catalogue): changing one changes decisions, so it changes the hash, and a pinned
        `--ruleset-hash` refuses it. Only packs that have one: other hashes stay as they were."""
        if self.path is None:
            return {}
        out = {}
        for name in DATA_FILES:
            path = self.path / name
            if path.is_file():
                out[name] = hashlib.sha256(read_input(path)[0]).hexdigest()
        return out

    def fingerprint(self) -> dict[str, Any]:
        """What the content hash covers. Values and decisions appear only in packs that have
        them, so the hash of a pack of rules alone is what it was before they existed."""
        out: dict[str, Any] = {
            "id": self.id,
            "version": self.version,
            "parameters": {n: [p.value, p.unit_text] for n, p in self.parameters.items()},
            "definitions": dict(self.definition_texts),
            "rules": [
                {"id": r.id, "severity": r.severity.value, "check": r.check_text,
                 "applies_if": r.applies_if_text, "each": r.each,
                 "unit": format_unit(r.display_unit) if r.display_unit is not None else None}
                for r in self.rules
            ],
        }
        data = dict(self.data_hashes or {})
        if data:
            out["data_files"] = data
        if self.overlays:
            out["overlays"] = self.overlays
        if self.requires:
            out["requires"] = list(self.requires)
        if self.replaces:
            out["replaces"] = self.replaces
        if self.values:
            out["values"] = [{"id": v.id, "expression": v.expr_text} for v in self.values]
        if self.decisions:
            out["decisions"] = [
                {"id": d.id, "hit_policy": d.hit_policy, "on_unknown": d.on_unknown,
                 "outputs": list(d.outputs), "inputs": {i.name: i.text for i in d.inputs},
                 "rows": [{"when": [c.text for c in row.cells], "decision": row.output}
                          for row in d.rows],
                 "default": d.default.output if d.default else None}
                for d in self.decisions
            ]
        return out

    @cached_property
    def rule_hashes(self) -> Mapping[str, str]:
        """Each rule's content hash: sha256 of what decides its verdict (its check, applicability,
        severity, unit, the values of the parameters it reads and the text of the definitions
        and values it reads), so a waiver can tell that the rule it was approved for changed."""
        return {r.id: hashlib.sha256(orjson.dumps(self._rule_fingerprint(r),
                                                  option=orjson.OPT_SORT_KEYS)).hexdigest()
                for r in self.rules}

    def _rule_fingerprint(self, rule: Rule) -> dict[str, Any]:
        texts = {v.id: v.expr_text for v in self.values} | dict(self.definition_texts)
        read: dict[str, str] = {}
        todo = [rule.check_text, rule.applies_if_text]
        params = set(rule.params)
        while todo:
            for name in NAME_TOKEN.findall(todo.pop()):
                if name in texts and name not in read:
                    read[name] = texts[name]
                    todo.append(texts[name])
                elif name in self.parameters:
                    params.add(name)
                else:  # a rank scale reads every one of its levels' numbers
                    params.update(n for n, p in self.parameters.items() if p.scale == name)
        return {
            "id": rule.id, "severity": rule.severity.value, "check": rule.check_text,
            "applies_if": rule.applies_if_text, "each": rule.each,
            "unit": format_unit(rule.display_unit) if rule.display_unit is not None else None,
            "parameters": {n: [self.parameters[n].value, self.parameters[n].unit_text]
                           for n in sorted(params)},
            "reads": read,
        }

    def describe_parameter(self, name: str) -> str:
        p = self.parameters[name]
        return f"{p.value:g} {format_unit(p.unit)}".strip()
