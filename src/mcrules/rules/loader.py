"""Load a pack folder (`pack.yaml`, `parameters/*.yaml`, rule files) into checked IR.

Everything is checked here, once: names, types, unit dimensions, citations, levers. A mistake is a
RuleLoadError naming the file and line, never a wrong verdict later.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from mcrules.errors import (
    ExpressionError,
    InputError,
    McrulesError,
    PackNotFoundError,
    RuleLoadError,
    UnitError,
)
from mcrules.limits import excerpt
from mcrules.located import LocatedDict, LocatedList, load_document
from mcrules.rules.context import FileContext, citations
from mcrules.rules.decisions import TABLE_KEYS, load_table
from mcrules.rules.expr import Scope, parse_expression
from mcrules.rules.ir import (
    Aggregate,
    Bound,
    Disagreement,
    Document,
    Expr,
    FieldRef,
    Lever,
    Parameter,
    Rule,
    Severity,
    ValueDecl,
    field_keys,
)
from mcrules.rules.overlay import cite_overlay, overlay_parameters
from mcrules.rules.pack import TITLE_FIELD, Pack, Variant
from mcrules.rules.parameter_values import (
    checked_value,
    quantity_in,
    scale_violation,
    set_scale_violation,
    unit_text_of,
)
from mcrules.rules.plan import build_plan
from mcrules.rules.schema import Collection, Schema
from mcrules.units import conversion_factor, parse_quantity, parse_unit

RULE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
PACK_KEYS = {"id", "title", "short_title", "version", "description", "effective_from",
             "effective_to", "documents", "definitions", "variants", "rule_files", "overlays",
             "requires", "replaces"}
OVERLAY_KEYS = {"id", "title", "short_title", "version", "description", "effective_from",
                "effective_to", "documents", "overlays"}
MAX_OVERLAY_DEPTH = 4
RULE_KEYS = {"id", "title", "severity", "description", "tags", "each", "applies_if", "check",
             "unit", "fix", "citations", "disagreements", "effective_from", "effective_to",
             "requirement"}
FILE_KEYS = {"subject", "rules", "values", "decisions", "description"}
VALUE_KEYS = {"id", "title", "expression", "unit", "description", "citations"}
PARAM_KEYS = {"description", "value", "values", "scale", "citations", "minimum", "maximum",
              "exclusive_minimum", "exclusive_maximum"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def builtin_pack_dir() -> Path:
    """Where the packs shipped with mcrules live (inside the installed package)."""
    return Path(__file__).resolve().parent.parent / "packs"


def pack_search_path() -> list[Path]:
    """Folders searched for a pack id: $MCRULES_PACK_PATH (os.pathsep-separated), then built-ins."""
    extra = [Path(p) for p in os.environ.get("MCRULES_PACK_PATH", "").split(os.pathsep) if p]
    return [*extra, builtin_pack_dir()]


def find_pack(ref: str | Path) -> Path:
    """Resolve a pack id (`mct-2023`) or a folder path to the pack folder."""
    p = Path(ref)
    if _has_head(p):
        return p
    for base in pack_search_path():
        if _has_head(base / str(ref)):
            return base / str(ref)
    known = sorted({d.name for base in pack_search_path() if base.is_dir()
                    for d in base.iterdir() if (d / "pack.yaml").is_file()})
    raise PackNotFoundError(f"no pack {str(ref)[:80]!r}; known packs: {', '.join(known) or 'none'}")


def _has_head(folder: Path) -> bool:
    """Whether `folder` holds a `pack.yaml`; False for a name the OS refuses (too long, a NUL),
    so an untrusted pack reference is "no pack", never an OSError."""
    try:
        return (folder / "pack.yaml").is_file()
    except (OSError, ValueError):
        return False


def available_packs() -> list[Path]:
    """Every pack folder on the search path, first occurrence of each id."""
    seen: dict[str, Path] = {}
    for base in pack_search_path():
        if base.is_dir():
            for d in sorted(base.iterdir()):
                if (d / "pack.yaml").is_file():
                    seen.setdefault(d.name, d)
    return list(seen.values())


def load_pack(ref: str | Path, schemas: Mapping[str, Schema], *,
              _chain: tuple[str, ...] = ()) -> Pack:
    """Load and check the pack `ref` (an id on the search path, or a folder)."""
    folder = find_pack(ref)
    head_file = folder / "pack.yaml"
    ctx = FileContext(head_file)
    inside_pack(folder, "pack.yaml", ctx)
    head = ctx.mapping(_read(head_file), "pack.yaml", PACK_KEYS, ("id", "title", "version"))
    pack_id = ctx.text(head, "id")
    if head.get("overlays") is not None:
        return _load_overlay(folder, ctx, head, schemas, (*_chain, pack_id))
    required = _required(folder, ctx, head, schemas, (*_chain, pack_id))
    replaces = _replaces(folder, ctx, head, pack_id)
    documents = _merged_documents(ctx, head, required)
    params = _merged("parameter", ctx, head, required, lambda q: q.parameters,
                     _parameters(folder, documents))
    for name, param in params.items():
        # a level `migration.exposure_days` would hide the field of that name from every rule
        hidden = sorted(s.subject for s in schemas.values() if param.scale and name in s.fields)
        if hidden:
            raise RuleLoadError(f"scale {param.scale}: level parameter {name} has the name of a "
                                f"field of {', '.join(hidden)}; rename the scale",
                                file=str(folder / "parameters" / f"{param.scale}.yaml"), path=name)

    definitions: dict[str, Expr] = {}
    definition_texts: dict[str, str] = {}
    for req in required:
        for name, expr in req.definitions.items():
            if name in definitions:
                raise ctx.error(f"definition {name!r} is declared by two required packs", head,
                                "requires")
            definitions[name] = expr
            definition_texts[name] = req.definition_texts[name]
    defs = head.get("definitions") or LocatedDict()
    if not isinstance(defs, LocatedDict):
        raise ctx.error("`definitions` must be a mapping of name: {subject, expression}", head,
                        "definitions")
    for name, spec in defs.items():
        spec = ctx.mapping(spec, f"definition {name}", {"subject", "expression", "description"},
                           ("subject", "expression"), name)
        schema = _schema(ctx, schemas, ctx.text(spec, "subject"), spec, name)
        if not NAME.match(name) or name in schema.fields or name in params \
                or name in definitions:
            raise ctx.error(f"definition name {name!r} is invalid or shadows a field, parameter "
                            "or definition (of a required pack too)", defs, name)
        scope = Scope(schema, params, definitions)
        definitions[name] = ctx.expr(spec, "expression", scope, name)
        definition_texts[name] = ctx.text(spec, "expression")

    rule_files = head.get("rule_files")
    if rule_files is not None and not isinstance(rule_files, LocatedList):
        raise ctx.error("`rule_files` must be a list of file names in the pack folder", head,
                        "rule_files")
    files = ([inside_pack(folder, f, ctx, rule_files) for f in rule_files] if rule_files
             is not None else [inside_pack(folder, p.name, ctx) for p in sorted(folder.glob("*.yaml"))
                               if p.name != "pack.yaml"])
    env = _PackEnv(schemas, params, definitions, documents, required)
    parsed = [env.read_file(f) for f in files]
    rules: list[Rule] = []
    seen: dict[str, str] = {r.id: r.source for q in required for r in q.rules}
    for file_ctx, schema, doc in parsed:
        for rule in _rule_file(file_ctx, schema, doc, env):
            if rule.id in seen:
                raise RuleLoadError(f"duplicate rule id {rule.id!r} (also in {seen[rule.id]})",
                                    file=rule.source.rsplit(":", 1)[0], path=rule.id)
            seen[rule.id] = rule.source
            rules.append(rule)
    values = tuple(env.value(name) for name in env.value_nodes)
    decisions = tuple(load_table(file_ctx, node, schema, env)
                      for file_ctx, schema, node in env.decision_nodes)
    # A required pack's declarations are evaluated with this pack's, after its own in reports.
    imported = frozenset(i for q in required for i in
                         (*(r.id for r in q.rules), *(v.id for v in q.values),
                          *(d.id for d in q.decisions)))
    rules += [r for q in required for r in q.rules]
    values += tuple(v for q in required for v in q.values)
    decisions += tuple(d for q in required for d in q.decisions)
    plan = build_plan(rules, values, decisions, env.aggregates, str(head_file))

    variants = _merged("variant", ctx, head, required, lambda q: q.variants,
                       _variants(ctx, head.get("variants"), params, {r.id for r in rules},
                                 documents))
    pack = Pack(
        id=pack_id, title=ctx.text(head, "title"), version=ctx.text(head, "version"),
        short_title=ctx.text(head, "short_title"),
        description=ctx.text(head, "description"), rules=tuple(rules), parameters=params,
        definitions=definitions, definition_texts=definition_texts, documents=documents,
        variants=variants, path=folder, effective_from=ctx.date(head, "effective_from"),
        effective_to=ctx.date(head, "effective_to"), values=values, decisions=decisions,
        aggregates=dict(env.aggregates), plan=plan,
        requires=tuple(f"{q.id}@{q.version}" for q in required), imported=imported,
        required_folders=tuple(dict.fromkeys(
            p for q in required for p in (q.path, *q.required_folders) if p is not None)),
        replaces=replaces,
    )
    return replace(pack, rules=tuple(replace(r, title=pack.render_title(r.title_template))
                                     if r.title_template else r for r in pack.rules))


def inside_pack(folder: Path, name: Any, ctx: FileContext, node: Any = None) -> Path:
    """The file `name` of a pack, refused unless it is a regular file inside the pack folder.

    A pack is shared between organisations, so it is untrusted: `rule_files` may not name an
    absolute path, climb out with `..`, or reach outside through a symlink, and a device such as
    /dev/zero is never opened. The error names the entry, never what the file holds.
    """
    def refuse(why: str) -> RuleLoadError:
        return ctx.error(f"pack file {excerpt(name)} {why}", node)

    if not isinstance(name, str) or not name.strip():
        raise refuse("must be a file name in the pack folder")
    relative = Path(name)
    if relative.is_absolute() or name.startswith(("/", "\\", "~")) or ":" in name:
        raise refuse("must be a path relative to the pack folder, not an absolute path")
    if ".." in relative.parts or "\\" in name:
        raise refuse("must stay inside the pack folder (no `..`)")
    if relative.suffix.lower() not in (".yaml", ".yml"):
        raise refuse("must be a YAML file (.yaml)")
    path = folder / relative
    try:
        root = folder.resolve(strict=True)
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, or a symlink loop
        raise refuse("does not exist in the pack folder") from None
    if not real.is_relative_to(root):
        raise refuse("resolves outside the pack folder (a symlink?)")
    if not real.is_file():
        raise refuse("is not a regular file")
    return path


def _required(folder: Path, ctx: FileContext, head: LocatedDict,
              schemas: Mapping[str, Schema], chain: tuple[str, ...]) -> list[Pack]:
    """The packs named by `requires:`, loaded (a sibling folder first, then the search path),
    whose values, rules and decisions this pack's expressions may read by id."""
    node = head.get("requires")
    if node is None:
        return []
    if not isinstance(node, LocatedList) or not all(isinstance(r, str) for r in node):
        raise ctx.error("`requires` must be a list of pack ids, like [domv-2023]", head,
                        "requires")
    out: list[Pack] = []
    for ref in node:
        if any(q.id == ref for q in out):
            raise ctx.error(f"`requires` names {ref} twice", head, "requires")
        req = _named_pack(folder, ref, ctx, head, "requires", schemas, chain)
        if req.overlays:
            raise ctx.error(f"{ref} overlays {req.overlays}: require a pack of its own rules "
                            "(an overlay of this pack can tighten the parameters)", head,
                            "requires")
        out.append(req)
    return out


def _replaces(folder: Path, ctx: FileContext, head: LocatedDict, pack_id: str) -> str:
    """The pack id `replaces:` names (a subject's default pack this one stands in for instead of
    tightening it), checked to be a pack that exists and not this one; "" when there is none."""
    ref = ctx.text(head, "replaces")
    if not ref:
        return ""
    if not NAME.match(ref.replace("-", "_")):
        raise ctx.error(f"`replaces` must name a pack id, like casework-2023, got {ref!r}", head,
                        "replaces")
    if ref == pack_id:
        raise ctx.error("`replaces` names the pack itself", head, "replaces")
    if not (folder.parent / ref / "pack.yaml").is_file():
        try:
            find_pack(ref)
        except PackNotFoundError as exc:
            raise ctx.error(f"`replaces` names {exc}", head, "replaces") from None
    return ref


def _named_pack(folder: Path, ref: str, ctx: FileContext, head: LocatedDict, key: str,
                schemas: Mapping[str, Schema], chain: tuple[str, ...]) -> Pack:
    """The pack `ref` that pack.yaml's `key` (overlays, requires) names: a sibling folder first,
    then the search path; a load error for a bad id, a cycle or a chain too deep."""
    if not NAME.match(ref.replace("-", "_")):
        raise ctx.error(f"`{key}` must name a pack id, like mct-2023, got {ref!r}", head, key)
    if ref in chain or len(chain) > MAX_OVERLAY_DEPTH:
        raise ctx.error(f"`{key}` forms a cycle or nests packs too deep: "
                        f"{' -> '.join((*chain, ref))}", head, key)
    sibling = folder.parent / ref
    if not (sibling / "pack.yaml").is_file():
        try:
            find_pack(ref)
        except PackNotFoundError as exc:  # located at the pack.yaml line that names it
            raise ctx.error(f"`{key}` names {exc}", head, key) from None
    return load_pack(sibling if (sibling / "pack.yaml").is_file() else ref, schemas,
                     _chain=chain)


def _merged_documents(ctx: FileContext, head: LocatedDict,
                      required: list[Pack]) -> dict[str, Document]:
    """The required packs' documents and this pack's own; one id may name one document only."""
    docs: dict[str, Document] = {}
    for q in required:
        for doc_id, doc in q.documents.items():
            if doc_id in docs and docs[doc_id].title != doc.title:
                raise ctx.error(f"document {doc_id!r} has two titles in the required packs",
                                head, "requires")
            docs[doc_id] = doc
    own = _documents(ctx, head.get("documents"))
    for doc_id, doc in own.items():
        if doc_id in docs and docs[doc_id].title != doc.title:
            raise ctx.error(f"document {doc_id!r} is declared by a required pack with another "
                            f"title ({docs[doc_id].title!r}); cite it by its id without "
                            "declaring it again", head, "documents")
    return {**docs, **own}


def _merged(kind: str, ctx: FileContext, head: LocatedDict, required: list[Pack],
            of: Any, own: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters (or variants) of the required packs and this pack's own, each name once:
    a name declared twice would make a verdict depend on which declaration won."""
    out: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for q in required:
        for name, item in of(q).items():
            if name in out:
                raise ctx.error(f"{kind} {name!r} is declared by both {origin[name]} and "
                                f"{q.id}", head, "requires")
            out[name], origin[name] = item, q.id
    for name, item in own.items():
        if name in out:
            raise ctx.error(f"{kind} {name!r} is already declared by the required pack "
                            f"{origin[name]}; name it otherwise", head, "requires")
        out[name] = item
    return out


def pack_folders(ref: str | Path) -> tuple[Path, ...]:
    """The folder of pack `ref` and of every pack it overlays or requires, transitively: what a
    cache of the loaded pack must watch. Tolerant: an unreadable head lists just the folder (the
    load then reports the error)."""
    seen: dict[Path, None] = {}
    todo = [find_pack(ref).resolve()]
    while todo and len(seen) <= 4 * MAX_OVERLAY_DEPTH:
        folder = todo.pop()
        if folder in seen:
            continue
        seen[folder] = None
        head = folder / "pack.yaml"
        try:
            stamp = head.stat().st_mtime
        except OSError:
            continue
        for name in _head_refs(head, stamp):
            sibling = folder.parent / name
            try:
                todo.append((sibling if (sibling / "pack.yaml").is_file()
                             else find_pack(name)).resolve())
            except McrulesError:
                continue
    return tuple(seen)


@lru_cache(maxsize=64)
def _head_refs(head: Path, stamp: float) -> tuple[str, ...]:
    """The pack ids a pack.yaml names under `requires` and `overlays`, read once per version of
    the file; none when it does not parse."""
    try:
        doc = load_document(head)
    except McrulesError:
        return ()
    if not isinstance(doc, Mapping):
        return ()
    requires, base = doc.get("requires"), doc.get("overlays")
    names = [*(requires if isinstance(requires, list) else []), base]
    return tuple(n for n in names if isinstance(n, str))


def _load_overlay(folder: Path, ctx: FileContext, head: LocatedDict,
                  schemas: Mapping[str, Schema], chain: tuple[str, ...]) -> Pack:
    """A pack that overlays another: the base pack's rules with its own, stricter, parameter
    values; a load error naming both when one is looser (see `rules/overlay.py`)."""
    head = ctx.mapping(head, "pack.yaml of an overlay", OVERLAY_KEYS, ("id", "title", "version"))
    overlay_id = ctx.text(head, "id")
    base = _named_pack(folder, ctx.text(head, "overlays"), ctx, head, "overlays", schemas, chain)
    documents = {**base.documents, **_documents(ctx, head.get("documents"))}
    own = _parameters(folder, documents)
    if not own:
        raise ctx.error(f"overlay {overlay_id} tightens nothing: add parameter files under "
                        "parameters/ named like the base pack's", head, "overlays")
    sources = {name: str(folder / "parameters" / f"{p.scale or name}.yaml") for name, p in own.items()}
    params, floors = overlay_parameters(base.id, base.rules, base.parameters, overlay_id, own,
                                        sources)
    pack = replace(
        base, id=overlay_id, title=ctx.text(head, "title"), version=ctx.text(head, "version"),
        short_title=ctx.text(head, "short_title"), description=ctx.text(head, "description"),
        parameters=params, documents=documents,
        rules=cite_overlay(base.rules, params, floors), path=folder,
        effective_from=ctx.date(head, "effective_from") or base.effective_from,
        effective_to=ctx.date(head, "effective_to") or base.effective_to,
        overlays=f"{base.id}@{base.version}", floors=floors)
    return pack._retitled()


def _read(file: Path) -> Any:
    try:
        return load_document(file)
    except InputError as exc:
        line = exc.problems[0].line if exc.problems else None
        first = exc.problems[0] if exc.problems else None
        detail = exc.message if first is None else \
            f"{first.path}: {first.message}" if first.path else first.message
        raise RuleLoadError(f"{exc.message}: {detail}", file=str(file), line=line) from None


def _schema(ctx: FileContext, schemas: Mapping[str, Schema], subject: str, node: Any,
            path: str | None) -> Schema:
    schema = schemas.get(subject)
    if schema is None:
        raise ctx.error(f"unknown subject {subject!r} (known: {', '.join(sorted(schemas))})",
                        node, "subject", path)
    return schema


def _documents(ctx: FileContext, node: Any) -> dict[str, Document]:
    if node is None:
        return {}
    if not isinstance(node, LocatedDict):
        raise ctx.error("`documents` must map an id to {title, publisher, edition, url}", node)
    out = {}
    for doc_id, spec in node.items():
        spec = ctx.mapping(spec, f"document {doc_id}", {"title", "publisher", "edition", "url"},
                           ("title",), doc_id)
        out[doc_id] = Document(doc_id, ctx.text(spec, "title"), ctx.text(spec, "publisher"),
                               ctx.text(spec, "edition"), ctx.text(spec, "url"))
    return out


def _parameters(folder: Path, documents: Mapping[str, Document]) -> dict[str, Parameter]:
    out: dict[str, Parameter] = {}
    for f in sorted((folder / "parameters").glob("*.yaml")):
        ctx = FileContext(f)
        f = inside_pack(folder, f"parameters/{f.name}", ctx)
        name = f.stem
        if not NAME.match(name):
            raise RuleLoadError(f"parameter file name {name!r} must be lower_snake_case", file=str(f))
        node = ctx.mapping(_read(f), f"parameter {name}", PARAM_KEYS, ("citations",), name)
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
                                f"{previous.isoformat()}", dated, key, name)
            previous = start
            written.append((raw, dated, key, start))
    first_raw, first_node, first_key, _ = written[0]
    try:
        magnitude, unit = parse_quantity(first_raw, "dimensionless")
        if not math.isfinite(magnitude):
            raise UnitError(f"{first_raw!r} is not a finite quantity")
    except UnitError as exc:
        raise ctx.error(f"`{first_key}`: {exc.message}", first_node, first_key, name) from None
    param = Parameter(name, 0.0, unit, unit_text_of(first_raw), ctx.text(node, "description"),
                      citations(ctx, node.get("citations"), documents, name, node, "citations"),
                      minimum=_bound(ctx, node, name, "minimum", unit_text_of(first_raw), unit),
                      maximum=_bound(ctx, node, name, "maximum", unit_text_of(first_raw), unit))
    low, high = param.minimum, param.maximum
    if low and high and (low.value > high.value or (
            low.value == high.value and (low.exclusive or high.exclusive))):
        raise ctx.error("`minimum` and `maximum` leave no valid value", node, "maximum", name)
    values: list[tuple[dt.date | None, float]] = []
    for raw, where, key, since in written:
        try:
            values.append((since, checked_value(param, raw)))
        except McrulesError as exc:
            label = "value" if since is None else f"value of {key}"
            detail = exc.message.removeprefix(f"parameter {name}: ")
            raise ctx.error(f"{label}: {detail}", where, key, name) from None
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
        raise ctx.error(f"`{key}`: {exc.message}", node, key, name) from None


def _variants(ctx: FileContext, node: Any, params: Mapping[str, Parameter], rule_ids: set[str],
              documents: Mapping[str, Document]) -> dict[str, Variant]:
    if node is None:
        return {}
    if not isinstance(node, LocatedDict):
        raise ctx.error("`variants` must map a variant id to its definition", node)
    out = {}
    for vid, spec in node.items():
        spec = ctx.mapping(spec, f"variant {vid}",
                           {"description", "parameters", "severity", "citations"},
                           ("description", "citations"), vid)
        values = spec.get("parameters") or {}
        numbers: dict[str, float] = {}
        for pname, raw in values.items():
            if pname not in params:
                raise ctx.error(f"variant sets unknown parameter {pname!r}", values, pname, vid)
            try:
                numbers[pname] = checked_value(params[pname], raw)
            except McrulesError as exc:
                raise ctx.error(exc.message, values, pname, vid) from None
        problem = set_scale_violation(params, numbers)
        if problem is not None:
            raise ctx.error(problem, spec, "parameters", vid)
        sev = spec.get("severity") or {}
        severities = {}
        for rid, level in sev.items():
            if rid not in rule_ids:
                raise ctx.error(f"variant changes unknown rule {rid!r}", sev, rid, vid)
            try:
                severities[rid] = Severity(level)
            except ValueError:
                raise ctx.error(f"severity must be error, warning or info, got {level!r}",
                                sev, rid, vid) from None
        out[vid] = Variant(vid, ctx.text(spec, "description"),
                           {k: str(v) for k, v in values.items()}, severities,
                           citations(ctx, spec.get("citations"), documents, vid, spec,
                                      "citations"))
    return out


class _PackEnv:
    """What every expression of one pack may name, shared while the pack loads: values are parsed
    on first use (so a value may read a value declared after it, and a cycle is caught with the
    names of both), and each aggregate is recorded once for the whole pack."""

    def __init__(self, schemas: Mapping[str, Schema], params: Mapping[str, Parameter],
                 definitions: Mapping[str, Expr], documents: Mapping[str, Document],
                 required: list[Pack] | None = None) -> None:
        self.schemas = schemas
        self.params = params
        self.definitions = definitions
        self.documents = documents
        required = required or []
        self.rule_ids: set[str] = {r.id for q in required for r in q.rules}
        self.decision_outputs: dict[str, tuple[str, ...]] = {
            d.id: d.outputs for q in required for d in q.decisions}
        self.aggregates: dict[str, Aggregate] = {k: a for q in required
                                                 for k, a in q.aggregates.items()}
        self.value_nodes: dict[str, tuple[FileContext, Schema, LocatedDict]] = {}
        self.decision_nodes: list[tuple[FileContext, Schema, LocatedDict]] = []
        # A required pack's values resolve by id like this pack's own, already parsed.
        self.imported_values: dict[str, ValueDecl] = {v.id: v for q in required for v in q.values}
        self._values: dict[str, ValueDecl] = {}
        self._parsing: list[str] = []

    def read_file(self, file: Path) -> tuple[FileContext, Schema, LocatedDict]:
        """Read one rule file and note the ids it declares, before any expression is parsed."""
        ctx = FileContext(file)
        doc = ctx.mapping(_read(file), file.name, FILE_KEYS, ("subject",))
        schema = _schema(ctx, self.schemas, ctx.text(doc, "subject"), doc, None)
        if not any(doc.get(k) is not None for k in ("rules", "values", "decisions")):
            raise ctx.error("a rule file needs `rules`, `values` or `decisions`", doc)
        for key in ("rules", "values", "decisions"):
            if doc.get(key) is not None and not isinstance(doc[key], LocatedList):
                raise ctx.error(f"`{key}` must be a list", doc, key)
        for node in doc.get("rules") or ():
            if isinstance(node, LocatedDict) and isinstance(node.get("id"), str):
                self.rule_ids.add(node["id"])
        for node in doc.get("values") or ():
            node = ctx.mapping(node, "value", VALUE_KEYS, ("id", "title", "expression", "citations"))
            vid = ctx.text(node, "id")
            if not NAME.match(vid) or "." not in vid:
                raise ctx.error(f"value id {vid!r} must be dotted lower case, like risk.score",
                                node, "id")
            if vid in self.value_nodes or vid in self.params or vid in schema.fields \
                    or vid in self.definitions or vid in self.imported_values:
                raise ctx.error(f"value id {vid!r} is declared twice or shadows a field, "
                                "parameter or definition", node, "id", vid)
            self.value_nodes[vid] = (ctx, schema, node)
        for node in doc.get("decisions") or ():
            node = ctx.mapping(node, "decision table", TABLE_KEYS,
                               ("id", "title", "inputs", "outputs", "rows", "citations"))
            did = ctx.text(node, "id")
            if did in self.decision_outputs:
                raise ctx.error(f"duplicate decision table id {did!r}", node, "id", did)
            outputs = node.get("outputs")
            if not isinstance(outputs, LocatedList) or not outputs or \
                    not all(isinstance(o, str) for o in outputs) or len(set(outputs)) != len(outputs):
                raise ctx.error("`outputs` must list the possible decisions, each once, highest "
                                "priority (most restrictive) first", node, "outputs", did)
            self.decision_outputs[did] = tuple(outputs)
            self.decision_nodes.append((ctx, schema, node))
        return ctx, schema, doc

    def scope(self, schema: Schema, item: Collection | None = None) -> Scope:
        def resolve(name: str) -> ValueDecl | None:
            if name not in self.value_nodes and name not in self.imported_values:
                return None
            value = self.imported_values.get(name) or self.value(name)
            if value.subject != schema.subject:
                raise ExpressionError(f"value {name!r} is about a {value.subject}, not a "
                                      f"{schema.subject}")
            return value
        return Scope(schema, self.params, self.definitions, item, set(), resolve,
                     (*self.value_nodes, *self.imported_values), frozenset(self.rule_ids),
                     self.decision_outputs,
                     self.aggregates)

    def value(self, name: str) -> ValueDecl:
        """The value `name`, parsed now if it was not yet; a cycle is an error naming it."""
        got = self._values.get(name)
        if got is not None:
            return got
        if name in self._parsing:
            chain = [*self._parsing[self._parsing.index(name):], name]
            raise ExpressionError(f"values depend on each other in a cycle: {' -> '.join(chain)}")
        ctx, schema, node = self.value_nodes[name]
        self._parsing.append(name)
        try:
            scope = self.scope(schema)
            expr = ctx.expr(node, "expression", scope, name)
        finally:
            self._parsing.pop()
        if expr.type == "text" and not isinstance(expr, FieldRef):
            raise ctx.error("a value must be a number, a condition, a level or a date",
                            node, "expression", name)
        display = None
        if node.get("unit") is not None:
            if expr.type != "number":
                raise ctx.error("`unit` is for a value that is a number", node, "unit", name)
            try:
                display = parse_unit(ctx.text(node, "unit"))
                conversion_factor(expr.unit, display)  # type: ignore[attr-defined]
            except UnitError as exc:
                raise ctx.error(f"`unit`: {exc.message}", node, "unit", name) from None
        value = ValueDecl(name, ctx.text(node, "title"), schema.subject, expr,
                          citations(ctx, node.get("citations"), self.documents, name, node,
                                     "citations"),
                          ctx.text(node, "description"), display, f"{ctx.file}:{node.line}",
                          ctx.text(node, "expression"))
        self._values[name] = value
        return value


def _rule_file(ctx: FileContext, schema: Schema, doc: LocatedDict, env: _PackEnv) -> list[Rule]:
    return [_rule(ctx, node, schema, env) for node in doc.get("rules") or ()]


def _rule(ctx: FileContext, node: Any, schema: Schema, env: _PackEnv) -> Rule:
    params, documents = env.params, env.documents
    node = ctx.mapping(node, "rule", RULE_KEYS, ("id", "title", "severity", "check", "citations"))
    rid = ctx.text(node, "id")
    if not RULE_ID.match(rid):
        raise ctx.error(f"rule id {rid!r} must be dotted lower case, like mct.wash.toilets.female",
                        node, "id")
    try:
        severity = Severity(ctx.text(node, "severity", rid))
    except ValueError:
        raise ctx.error("severity must be error, warning or info", node, "severity", rid) from None

    each = node.get("each")
    item = None
    if each is not None:
        item = schema.collections.get(str(each))
        if item is None:
            raise ctx.error(f"`each: {each}` is not a list of {schema.subject} (known: "
                            f"{', '.join(schema.collections) or 'none'})", node, "each", rid)
    scope = env.scope(schema, item)
    applies = ctx.expr(node, "applies_if", scope, rid) if node.get("applies_if") else None
    if applies is not None and applies.type != "bool":
        raise ctx.error("`applies_if` must be a condition", node, "applies_if", rid)
    check = ctx.expr(node, "check", scope, rid)
    if check.type != "bool":
        raise ctx.error("`check` must be a condition (a comparison or a yes/no field)",
                        node, "check", rid)

    requirement = ctx.text(node, "requirement")
    if requirement and not RULE_ID.match(requirement):
        raise ctx.error(f"requirement {requirement!r} must be dotted lower case, like "
                        "water.quantity_per_person", node, "requirement", rid)
    title = ctx.text(node, "title")
    for m in TITLE_FIELD.finditer(title):
        if m.group(1) not in params:
            raise ctx.error(f"title names unknown parameter {{{m.group(1)}}}", node, "title", rid)
    rule = Rule(
        id=rid, title=title, severity=severity, subject=schema.subject,
        title_template=title if TITLE_FIELD.search(title) else "",
        check=check, citations=citations(ctx, node.get("citations"), documents, rid, node,
                                          "citations"),
        applies_if=applies, each=str(each) if each is not None else None,
        description=ctx.text(node, "description"),
        tags=tuple(str(t) for t in (node.get("tags") or ())),
        effective_from=ctx.date(node, "effective_from", rid),
        effective_to=ctx.date(node, "effective_to", rid),
        source=f"{ctx.file}:{node.line}", check_text=ctx.text(node, "check"),
        applies_if_text=ctx.text(node, "applies_if"), params=tuple(sorted(scope.used_params)),
        requirement=requirement,
    )
    display = None
    if node.get("unit") is not None:
        cmp = rule.comparison
        if cmp is None:
            raise ctx.error("`unit` needs a check that compares two numbers", node, "unit", rid)
        try:
            display = parse_unit(ctx.text(node, "unit"))
            conversion_factor(cmp.left.unit, display)  # type: ignore[attr-defined]
        except UnitError as exc:
            raise ctx.error(f"`unit`: {exc.message}", node, "unit", rid) from None
    levers = _levers(ctx, node, rule, scope)
    disagreements = _disagreements(ctx, node, rid)
    return replace(rule, display_unit=display, levers=levers, disagreements=disagreements)


def _levers(ctx: FileContext, node: LocatedDict, rule: Rule, scope: Scope) -> tuple[Lever, ...]:
    raw = node.get("fix")
    if raw is None:
        raise ctx.error("needs `fix`: how a failing site can comply (a list of {field, direction, "
                        "text} or {text})", node, "check", rule.id)
    if not isinstance(raw, LocatedList):
        raise ctx.error("`fix` must be a list", node, "fix", rule.id)
    used = set(field_keys(rule.check))
    out = []
    for entry in raw:
        e = ctx.mapping(entry, "fix", {"field", "direction", "text"}, ("text",), rule.id)
        text = ctx.text(e, "text")
        if "field" not in e:
            out.append(Lever(None, "set_true", text))
            continue
        try:
            ref = parse_expression(ctx.text(e, "field"), scope)
        except ExpressionError as exc:
            raise ctx.error(f"`field`: {exc.message}", e, "field", rule.id) from None
        if not isinstance(ref, FieldRef) or ref.spec.kind != "number":
            raise ctx.error("a fix `field` must be a numeric field", e, "field", rule.id)
        if ref.key not in used:
            raise ctx.error(f"fix field `{ref.key}` does not appear in the check, so changing it "
                            "cannot flip the verdict", e, "field", rule.id)
        direction = ctx.text(e, "direction")
        if direction not in ("increase", "decrease"):
            raise ctx.error("`direction` must be increase or decrease", e, "direction", rule.id)
        if "{delta}" not in text:
            raise ctx.error("a fix `text` with a field must contain {delta}", e, "text", rule.id)
        out.append(Lever(ref, direction, text))  # type: ignore[arg-type]
    return tuple(out)


def _disagreements(ctx: FileContext, node: LocatedDict, rid: str) -> tuple[Disagreement, ...]:
    raw = node.get("disagreements")
    if raw is None:
        return ()
    if not isinstance(raw, LocatedList):
        raise ctx.error("`disagreements` must be a list", node, "disagreements", rid)
    out = []
    for entry in raw:
        e = ctx.mapping(entry, "disagreement", {"topic", "default", "alternative", "variant"},
                        ("topic", "default", "alternative"), rid)
        out.append(Disagreement(ctx.text(e, "topic"), ctx.text(e, "default"),
                                ctx.text(e, "alternative"), ctx.text(e, "variant")))
    return tuple(out)
