"""A pack assembled from its `pack.yaml`: the packs it requires or overlays, its documents,
parameters, definitions and variants, and its rule files, into one checked `Pack`.

Everything is checked here, once: names, types, unit dimensions, citations, levers. A mistake is a
RuleLoadError naming the file and line, never a wrong verdict later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from mcrules.errors import (
    DUPLICATE_ID,
    VALUE_CYCLE,
    McrulesError,
    PackNotFoundError,
    RuleLoadError,
)
from mcrules.located import LocatedDict, LocatedList
from mcrules.rules.context import NAME, FileContext, citations
from mcrules.rules.decisions import load_table
from mcrules.rules.discovery import MAX_OVERLAY_DEPTH, find_pack, inside_pack, read_pack_file
from mcrules.rules.expr import Scope
from mcrules.rules.ir import Document, Expr, Parameter, Rule, Severity
from mcrules.rules.overlay import cite_overlay, overlay_parameters
from mcrules.rules.pack import Pack, Variant
from mcrules.rules.parameter_files import pack_parameters
from mcrules.rules.parameter_values import checked_value, set_scale_violation
from mcrules.rules.plan import build_plan
from mcrules.rules.rule_files import PackEnv, rule_file, subject_schema
from mcrules.rules.schema import Schema

PACK_KEYS = {"id", "title", "short_title", "version", "description", "effective_from",
             "effective_to", "documents", "definitions", "variants", "rule_files", "overlays",
             "requires", "replaces"}
OVERLAY_KEYS = {"id", "title", "short_title", "version", "description", "effective_from",
                "effective_to", "documents", "overlays"}


def load_pack(ref: str | Path, schemas: Mapping[str, Schema], *,
              _chain: tuple[str, ...] = ()) -> Pack:
    """Load and check the pack `ref` (an id on the search path, or a folder)."""
    folder = find_pack(ref)
    head_file = folder / "pack.yaml"
    ctx = FileContext(head_file)
    inside_pack(folder, "pack.yaml", ctx)
    head = ctx.mapping(read_pack_file(head_file), "pack.yaml", PACK_KEYS, ("id", "title", "version"))
    pack_id = ctx.text(head, "id")
    if head.get("overlays") is not None:
        return _load_overlay(folder, ctx, head, schemas, (*_chain, pack_id))
    required = _required(folder, ctx, head, schemas, (*_chain, pack_id))
    replaces = _replaces(folder, ctx, head, pack_id)
    documents = _merged_documents(ctx, head, required)
    params = _merged("parameter", ctx, head, required, lambda q: q.parameters,
                     pack_parameters(folder, documents))
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
        schema = subject_schema(ctx, schemas, ctx.text(spec, "subject"), spec, name)
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
    env = PackEnv(schemas, params, definitions, documents, required)
    parsed = [env.read_file(f) for f in files]
    rules: list[Rule] = []
    seen: dict[str, str] = {r.id: r.source for q in required for r in q.rules}
    for file_ctx, schema, doc in parsed:
        for rule in rule_file(file_ctx, schema, doc, env):
            if rule.id in seen:
                raise RuleLoadError(f"duplicate rule id {rule.id!r} (also in {seen[rule.id]})",
                                    file=rule.source.rsplit(":", 1)[0], path=rule.id,
                                    code=DUPLICATE_ID)
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
                        f"{' -> '.join((*chain, ref))}", head, key, code=VALUE_CYCLE)
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
    own = pack_documents(ctx, head.get("documents"))
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


def _load_overlay(folder: Path, ctx: FileContext, head: LocatedDict,
                  schemas: Mapping[str, Schema], chain: tuple[str, ...]) -> Pack:
    """A pack that overlays another: the base pack's rules with its own, stricter, parameter
    values; a load error naming both when one is looser (see `rules/overlay.py`)."""
    head = ctx.mapping(head, "pack.yaml of an overlay", OVERLAY_KEYS, ("id", "title", "version"))
    overlay_id = ctx.text(head, "id")
    base = _named_pack(folder, ctx.text(head, "overlays"), ctx, head, "overlays", schemas, chain)
    documents = {**base.documents, **pack_documents(ctx, head.get("documents"))}
    own = pack_parameters(folder, documents)
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


def pack_documents(ctx: FileContext, node: Any) -> dict[str, Document]:
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
                raise ctx.error(exc.message, values, pname, vid, exc.code) from None
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
