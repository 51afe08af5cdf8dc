"""`mcrules.evaluate`: every subject through one call, one argument order, one Report.

This is the one place below the CLI and the service where the clock is read (once, when no
`as_of` is given and the document gives none) and where the caller's arguments are checked:
a wrong type is a TypeError naming the argument, a bad value our InputError naming the field,
before anything is copied or evaluated.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from mcrules.clock import today
from mcrules.engine.check import check_facts
from mcrules.engine.report import Report
from mcrules.errors import InputError, McrulesError
from mcrules.io.subject_file import validate_model
from mcrules.limits import check_structure
from mcrules.located import load_document
from mcrules.rules.pack import Pack
from mcrules.rules.pin import check_ruleset_hash
from mcrules.subjects import Context, Read, Subject, get, load_subject_pack, parts_of
from mcrules.subjects.hooks import resolve
from mcrules.subjects.packs import configured, refuse_out_of_force

PackRef = str | os.PathLike[str] | Pack


def evaluate(
    subject: str | Subject[Any],
    data: str | os.PathLike[str] | Mapping[str, Any] | BaseModel | Read[Any],
    *,
    packs: PackRef | Sequence[PackRef] | None = None,
    as_of: dt.date | str | None = None,
    variants: Iterable[str] = (),
    parameters: Mapping[str, str | float] | None = None,
    extras: Mapping[str, Any] | None = None,
    strict: bool = False,
    ruleset_hash: str | None = None,
) -> Report:
    """Evaluate one document of `subject` (`site`, `case`, `case_history`, `sharing_request`,
    ...; `mcrules.subjects.all_subjects()` lists them) and return its Report.

    `data` is a path to a YAML or JSON file (`"-"` reads standard input), a mapping, the subject's
    document model, or what `mcrules.read` returned (the document with the companion documents its
    file carried, such as a site file's layout). `packs` are pack ids (`mct-2023`, pinned
    `mct-2023@2023.2.0`), folders or loaded packs (default: the subject's default pack);
    `variants` and `parameters` configure them; `as_of` is the evaluation date (default: the date
    the document gives, such as a case's `assessed_on`, else today, read once). `extras` are the
    companion documents the subject declares (a sharing request's `history`, a site's `waivers`),
    as paths, mappings or models. With `strict`, unknown keys are errors rather than warnings.
    With `ruleset_hash`, any other rule set than the one it names is refused.

    A wrong type is a TypeError naming the argument (a datetime for `as_of`, an int for `data`);
    a mapping is bounded in size and depth before anything copies it (InputError, never a
    RecursionError) and validated against the subject's model.
    """
    return check(*prepare(subject, data, packs=packs, as_of=as_of, variants=variants,
                          parameters=parameters, extras=extras, strict=strict,
                          ruleset_hash=ruleset_hash))


def prepare(
    subject: str | Subject[Any],
    data: str | os.PathLike[str] | Mapping[str, Any] | BaseModel | Read[Any],
    *,
    packs: PackRef | Sequence[PackRef] | None = None,
    as_of: dt.date | str | None = None,
    variants: Iterable[str] = (),
    parameters: Mapping[str, str | float] | None = None,
    extras: Mapping[str, Any] | None = None,
    strict: bool = False,
    ruleset_hash: str | None = None,
    data_name: str = "data",
) -> tuple[Subject[Any], Any, Context]:
    """What `evaluate` checks: the subject, its validated document and the context (the date,
    read from the clock at most once, and the configured packs); for a wrapper that adds to the
    context what `evaluate` has no argument for (an assessment's programme). `data_name` is
    what a TypeError calls `data` (a wrapper's `site`, `case`)."""
    chosen = _subject(subject)
    on = _date(as_of, "as_of")
    read = _read(chosen, data, strict, data_name)
    on = on or _date(chosen.default_as_of(read.document), chosen.as_of_field) or today()
    loaded = _packs(chosen, packs, variants, parameters, on)
    if ruleset_hash is not None:
        check_ruleset_hash(loaded, ruleset_hash)
    given = _extras(chosen, extras, strict)
    context = Context(on, loaded, {**read.extras, **given}, _source(data), read.warnings)
    return chosen, read.document, context


def read(subject: str | Subject[Any], data: str | os.PathLike[str] | Mapping[str, Any], *,
         strict: bool = False) -> Read[Any]:
    """Read and validate one document of `subject` from a path (`"-"`: standard input) or a
    mapping, the way `evaluate` does: bounded, every problem an InputError naming its field and
    line. Returns the document model, the companion documents its file carried (a site file's
    `layout`) and the warnings (unknown keys, unless `strict`)."""
    return _read(_subject(subject), data, strict)


def check(subject: Subject[Any], document: Any, context: Context) -> Report:
    """The report of a validated document in `context`: the subject's own checker (or the
    packs' rules, values and decisions on its derived facts), then every part attached to the
    subject whose packs are among the context's."""
    checker = resolve(subject.checker) if subject.checker else None
    report: Report = checker(document, context) if checker else _generic(subject, document,
                                                                           context)
    parts = {}
    for part in parts_of(subject.name):
        mine = tuple(p for p in context.packs if part.applies(p))
        if mine:
            parts[part.key] = resolve(part.make)(report, document, context, mine)
    if parts:
        report = replace(report, attachments={**report.attachments, **parts})
    return replace(report, ref=subject.ref(document, context.source))


def _generic(subject: Subject[Any], document: Any, context: Context) -> Report:
    return check_facts(subject.facts(document, context), context.packs,
                       subject_name=subject.name, about=subject.about(document, context.source),
                       warnings=context.warnings, as_of=context.as_of)


def _subject(subject: Any) -> Subject[Any]:
    if isinstance(subject, Subject):
        return subject
    if not isinstance(subject, str):
        raise TypeError(f"subject must be a subject name such as 'site' or a Subject, got "
                        f"{type(subject).__name__}")
    return get(subject)


def _date(value: Any, name: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        raise TypeError(f"{name} must be a date, got a datetime; pass its .date()")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            if len(value) != 10:
                raise ValueError(value)
            return dt.date.fromisoformat(value)
        except ValueError:
            raise InputError(f"expected a date YYYY-MM-DD, got {value[:40]!r}",
                             path=name) from None
    raise TypeError(f"{name} must be a date or 'YYYY-MM-DD', got {type(value).__name__}")


def _source(data: Any) -> str | None:
    if isinstance(data, str | os.PathLike):
        return "<stdin>" if str(data) == "-" else str(data)
    return None


def _read(subject: Subject[Any], data: Any, strict: bool, name: str = "data") -> Read[Any]:
    """The document of `data` (a path, a mapping or the model), validated and bounded."""
    if isinstance(data, Read):
        if not isinstance(data.document, subject.model):
            raise TypeError(f"{name} must be read as a {subject.noun}, got a read "
                            f"{type(data.document).__name__}")
        return data
    if isinstance(data, BaseModel):
        if not isinstance(data, subject.model):
            raise TypeError(f"{name} must be a {subject.model.__name__} for subject "
                            f"{subject.name}, got {type(data).__name__}")
        return Read(data)
    path: Path | None = None
    if isinstance(data, str | os.PathLike):
        path = Path(data)
        source = _source(data)
        doc = load_document("-" if str(data) == "-" else path)
    elif isinstance(data, Mapping):
        source = None
        check_structure(data, None)  # before any copy: a deeply nested dict is refused here
        doc = data
    else:
        raise TypeError(f"{name} must be a path, a mapping or a {subject.model.__name__}, got "
                        f"{type(data).__name__}")
    if subject.reader:
        read: Read[Any] = resolve(subject.reader)(doc, strict=strict or subject.strict_keys,
                                                   source=source, path=path)
        return read
    document, warnings = validate_model(doc, subject.model, noun=subject.noun,
                                        strict=strict or subject.strict_keys, source=source)
    return Read(document, {}, tuple(warnings))


def _extras(subject: Subject[Any], extras: Mapping[str, Any] | None,
            strict: bool) -> dict[str, Any]:
    if extras is None:
        return {}
    if not isinstance(extras, Mapping):
        raise TypeError(f"extras must be a mapping of name to document, got "
                        f"{type(extras).__name__}")
    out: dict[str, Any] = {}
    for name, value in extras.items():
        try:
            extra = subject.extra(str(name))
        except KeyError as exc:
            raise McrulesError(str(exc.args[0]), path=f"extras.{name}") from None
        if value is None:
            continue
        if isinstance(value, BaseModel):
            if not isinstance(value, extra.model):
                raise TypeError(f"extras[{name!r}] must be a {extra.model.__name__}, got "
                                f"{type(value).__name__}")
            out[extra.name] = value
            continue
        source = None
        if isinstance(value, str | os.PathLike):
            source = _source(value)
            doc = load_document("-" if str(value) == "-" else Path(value))
        elif isinstance(value, Mapping):
            check_structure(value, None)
            doc = value
        else:
            raise TypeError(f"extras[{name!r}] must be a path, a mapping or a "
                            f"{extra.model.__name__}, got {type(value).__name__}")
        if extra.reader:
            out[extra.name] = resolve(extra.reader)(doc, source)
        else:
            out[extra.name], _ = validate_model(doc, extra.model, noun=extra.noun,
                                                strict=strict or extra.strict, source=source)
    return out


def _packs(subject: Subject[Any], packs: Any, variants: Iterable[str],
           parameters: Mapping[str, str | float] | None, on: dt.date) -> tuple[Pack, ...]:
    """The packs to evaluate, loaded (cached), pinned and configured for `on`; McrulesError
    when one does not load, and when none of them has anything in force on `on`."""
    if isinstance(variants, str | bytes):
        raise TypeError("variants must be a list of variant ids, not one string")
    if not isinstance(variants, Iterable):
        raise TypeError(f"variants must be a list of variant ids, got {type(variants).__name__}")
    variants = tuple(variants)
    if not all(isinstance(v, str) for v in variants):
        raise TypeError("variants must be a list of variant ids (strings)")
    if parameters is not None and not isinstance(parameters, Mapping):
        raise TypeError(f"parameters must be a mapping of name to value, got "
                        f"{type(parameters).__name__}")
    if packs is None:
        refs: list[Any] = [subject.default_pack]
    elif isinstance(packs, str | os.PathLike | Pack):
        refs = [packs]
    elif isinstance(packs, Sequence) and not isinstance(packs, bytes | bytearray):
        refs = list(packs)
    else:
        raise TypeError(f"packs must be a pack id, a folder, a Pack or a list of them, got "
                        f"{type(packs).__name__}")
    rules_subject = get(subject.rules_subject)
    loaded: list[Pack] = []
    plain: list[Pack] = []
    for ref in refs:
        if isinstance(ref, Pack):
            plain.append(ref)
            # A loaded pack's dated parameters hold their latest value (the rules layer reads no
            # clock): chosen again here for the evaluation date, as a pack loaded by id is.
            dated = any(p.dated_values for p in ref.parameters.values())
            loaded.append(configured(ref, variants, parameters, on)
                          if variants or parameters or dated else ref)
        elif isinstance(ref, str | os.PathLike):
            name = ref if isinstance(ref, str) else Path(ref)
            plain.append(load_subject_pack(name, (rules_subject,)))
            # Cached by the arguments: the same Pack object, so its evaluator compiles once.
            loaded.append(configured(plain[-1], variants, parameters, on))
        else:
            raise TypeError(f"packs must hold pack ids, folders or Packs, got "
                            f"{type(ref).__name__}")
    refuse_out_of_force(on, plain)
    return tuple(loaded)
