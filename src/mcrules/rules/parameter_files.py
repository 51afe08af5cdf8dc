"""A pack's parameter files (`parameters/*.yaml`): one number with its unit, bounds and
citations, dated values, or a rank scale whose levels become parameters; each value is checked
against its bounds when the file loads.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from mcrules.errors import EFFECTIVE_DATES, OUT_OF_BOUNDS, McrulesError, RuleLoadError, UnitError
from mcrules.located import LocatedDict
from mcrules.rules.context import NAME, FileContext, citations
from mcrules.rules.discovery import inside_pack, read_pack_file
from mcrules.rules.ir import Bound, Document, Parameter
from mcrules.rules.parameter_values import (
    checked_value,
    quantity_in,
    scale_violation,
    unit_text_of,
)
from mcrules.units import parse_quantity

PARAM_KEYS = {"description", "value", "values", "scale", "citations", "minimum", "maximum",
              "exclusive_minimum", "exclusive_maximum"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def pack_parameters(folder: Path, documents: Mapping[str, Document]) -> dict[str, Parameter]:
    out: dict[str, Parameter] = {}
    for f in sorted((folder / "parameters").glob("*.yaml")):
        ctx = FileContext(f)
        f = inside_pack(folder, f"parameters/{f.name}", ctx)
        name = f.stem
        if not NAME.match(name):
            raise RuleLoadError(f"parameter file name {name!r} must be lower_snake_case", file=str(f))
        node = ctx.mapping(read_pack_file(f), f"parameter {name}", PARAM_KEYS, ("citations",), name)
        if "scale" in node:
            out.update(_scale(ctx, node, name, documents))
        else:
            out[name] = _parameter(ctx, node, name, documents)
    return out


def _scale(ctx: FileContext, node: LocatedDict, name: str,
           documents: Mapping[str, Document]) -> dict[str, Parameter]:
    """A rank scale: `scale:` maps each level, lowest first, to its number (or to dated numbers,
    like `values`). Each number becomes a parameter `<name>.<level>` with the file's
    description, citations and bounds, checked as any parameter is; all share one unit and a
    higher level never ranks below a lower one."""
    if "value" in node or "values" in node:
        raise ctx.error("a scale parameter gives its numbers under `scale`, not `value` or "
                        "`values`", node, "value" if "value" in node else "values", name)
    entries = node["scale"]
    if not isinstance(entries, LocatedDict) or len(entries) < 2:
        raise ctx.error("`scale` must map each level of an ordinal scale, lowest first, to its "
                        "number (at least two levels)", node, "scale", name)
    out: dict[str, Parameter] = {}
    for label, raw in entries.items():
        if not isinstance(label, str) or not NAME.match(label):
            raise ctx.error(f"`scale`: {label!r} is not a level name (lower_snake_case)",
                            entries, label, name)
        key = "values" if isinstance(raw, LocatedDict) else "value"
        entry = LocatedDict({k: v for k, v in node.items() if k != "scale"}, **{key: raw})
        line = entries.lines.get(label)
        entry.lines, entry.line = {**node.lines, **({key: line} if line else {})}, node.line
        param = _parameter(ctx, entry, f"{name}.{label}", documents)
        first = next(iter(out.values()), None)
        if first is not None and param.unit != first.unit:
            raise ctx.error(f"`scale`: every level's number needs the same unit, but {label} is "
                            f"in {param.unit_text} and {first.label} in {first.unit_text}",
                            entries, label, name)
        out[param.name] = replace(param, scale=name, label=label)
    dates: list[dt.date | None] = [*sorted({d for p in out.values() for d, _ in p.dated_values})]
    for on in dates or [None]:
        numbers = [(p.label, p.value if on is None else p.value_on(on)) for p in out.values()]
        problem = scale_violation(name, [(lab, v) for lab, v in numbers if v is not None])
        if problem is not None:
            when = "" if on is None else f" on {on.isoformat()}"
            raise ctx.error(f"`scale`{when}: {problem}", node, "scale", name)
    return out


def _parameter(ctx: FileContext, node: LocatedDict, name: str,
               documents: Mapping[str, Document]) -> Parameter:
    """One parameter file: its unit from the (first) value, its bounds, every value checked."""
    if ("value" in node) == ("values" in node):
        raise ctx.error("a parameter needs exactly one of `value` (a number and unit) or `values` "
                        "(a mapping of dates to values)", node, "values" if "values" in node
                        else None, name)
    # (value as written, the mapping and key it sits at, its date)
    written: list[tuple[Any, LocatedDict, str, dt.date | None]] = []
    if "value" in node:
        written.append((node["value"], node, "value", None))
    else:
        dated = node["values"]
        if not isinstance(dated, LocatedDict) or not dated:
            raise ctx.error("`values` must map dates (YYYY-MM-DD) to values, at least one",
                            node, "values", name)
        previous: dt.date | None = None
        for key, raw in dated.items():
            try:
                if not ISO_DATE.match(key):
                    raise ValueError(key)
                start = dt.date.fromisoformat(key)
            except ValueError:
                raise ctx.error(f"`values`: {key!r} is not a date like 2023-01-01", dated, key,
                                name) from None
            if previous is not None and start <= previous:
                raise ctx.error(f"`values`: dates must ascend, but {key} follows "
                                f"{previous.isoformat()}", dated, key, name, EFFECTIVE_DATES)
            previous = start
            written.append((raw, dated, key, start))
    first_raw, first_node, first_key, _ = written[0]
    try:
        magnitude, unit = parse_quantity(first_raw, "dimensionless")
        if not math.isfinite(magnitude):
            raise UnitError(f"{first_raw!r} is not a finite quantity")
    except UnitError as exc:
        raise ctx.error(f"`{first_key}`: {exc.message}", first_node, first_key, name,
                        exc.code) from None
    param = Parameter(name, 0.0, unit, unit_text_of(first_raw), ctx.text(node, "description"),
                      citations(ctx, node.get("citations"), documents, name, node, "citations"),
                      minimum=_bound(ctx, node, name, "minimum", unit_text_of(first_raw), unit),
                      maximum=_bound(ctx, node, name, "maximum", unit_text_of(first_raw), unit))
    low, high = param.minimum, param.maximum
    if low and high and (low.value > high.value or (
            low.value == high.value and (low.exclusive or high.exclusive))):
        raise ctx.error("`minimum` and `maximum` leave no valid value", node, "maximum", name,
                        OUT_OF_BOUNDS)
    values: list[tuple[dt.date | None, float]] = []
    for raw, where, key, since in written:
        try:
            values.append((since, checked_value(param, raw)))
        except McrulesError as exc:
            label = "value" if since is None else f"value of {key}"
            detail = exc.message.removeprefix(f"parameter {name}: ")
            raise ctx.error(f"{label}: {detail}", where, key, name, exc.code) from None
    if values[0][0] is None:
        return replace(param, value=values[0][1])
    schedule = tuple((since, value) for since, value in values if since is not None)
    param = replace(param, dated_values=schedule)
    # The latest value (`LATEST`), never the one in force on the day the files are read: this
    # layer reads no clock. Pack.configure chooses again on the date asked for, which the API
    # always gives, so a loaded pack never depends on the day it was loaded.
    return replace(param, value=schedule[-1][1])


def _bound(ctx: FileContext, node: LocatedDict, name: str, key: str, unit_text: str,
           unit: Any) -> Bound | None:
    """`minimum: 0 person` (any unit of the parameter's kind) and `exclusive_minimum: true`."""
    flag = f"exclusive_{key}"
    exclusive = node.get(flag, False)
    if not isinstance(exclusive, bool):
        raise ctx.error(f"`{flag}` must be true or false", node, flag, name)
    if key not in node:
        if flag in node:
            raise ctx.error(f"`{flag}` needs a `{key}`", node, flag, name)
        return None
    try:
        return Bound(quantity_in(node[key], unit_text, unit), exclusive)
    except UnitError as exc:
        raise ctx.error(f"`{key}`: {exc.message}", node, key, name, exc.code) from None
