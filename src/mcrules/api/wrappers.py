"""The domain functions, thin over `evaluate`, in one argument order.

Every wrapper reads `(document, packs=None, *, as_of=None, variants=(), parameters=None, ...)`:
the document first (a path, a mapping or the model), then the packs (a pack id such as
`"domv-2023"`, a pinned `"mct-2023@2023.2.0"`, a folder, a loaded Pack, or a list of them;
default: the domain's own pack), then keywords. Each calls `mcrules.evaluate` and returns its
domain's object from the Report (`check_site` returns the Report itself), so a wrapper and
`evaluate` cannot disagree; the clock is read there, once, when no `as_of` is given.

A mapping is accepted wherever a model is: it is bounded and validated like a file (InputError
naming the field), never trusted as if it were the model. Any other type is a TypeError naming
the argument.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from mcrules.api.evaluate import PackRef, check, prepare
from mcrules.clock import now
from mcrules.engine.report import Report
from mcrules.errors import McrulesError

if TYPE_CHECKING:
    from mcrules.assessment.assess import CaseAssessment
    from mcrules.assessment.programme import Programme
    from mcrules.casework.check import CaseworkReport
    from mcrules.eligibility.services import EligibilityReport
    from mcrules.models.casework import CaseHistory
    from mcrules.models.layout import Layout
    from mcrules.models.sharing import SharingRequest
    from mcrules.models.waiver import WaiverFile
    from mcrules.sharing.decide import SharingDecision

Document = str | os.PathLike[str] | Mapping[str, Any] | BaseModel
Packs = PackRef | Sequence[PackRef] | None
Parameters = Mapping[str, str | float] | None


def check_site(site: Document, packs: Packs = None, *, as_of: dt.date | str | None = None,
               variants: Iterable[str] = (), parameters: Parameters = None,
               waivers: WaiverFile | str | os.PathLike[str] | Mapping[str, Any] | None = None,
               layout: Layout | None = None, source: str | None = None,
               warnings: Sequence[str] = ()) -> Report:
    """Every site rule of `packs` (default mct-2023) on `site`, as a Report: with `waivers`
    (a waiver file's path, mapping or model) the failures they cover are `waived`; with a
    `layout` (a path's own layout is read with it) the distances it measures become facts and
    the report carries it under `attachment("layout")`; `source` names the file in the report
    and `warnings` (the former keyword, kept) are printed with it, after the reader's own."""
    if layout is not None:
        from mcrules.models.layout import Layout

        if not isinstance(layout, Layout):
            raise TypeError(f"layout must be a Layout (from read_site_file), got "
                            f"{type(layout).__name__}")
    if isinstance(warnings, str | bytes) or not isinstance(warnings, Sequence) or \
            not all(isinstance(w, str) for w in warnings):
        raise TypeError("warnings must be a list of strings")
    return _report("site", site, packs, as_of, variants, parameters,
                   extras={"waivers": waivers}, add={"layout": layout}, source=source,
                   warnings=tuple(warnings))


def assess_case(case: Document, packs: Packs = None, *, as_of: dt.date | str | None = None,
                variants: Iterable[str] = (), parameters: Parameters = None,
                programme: Programme | str | os.PathLike[str] | None = None,
                source: str | None = None) -> CaseAssessment:
    """The DoMV profile, the risk and the flags of `case` on `as_of` (default: the case's
    `assessed_on`, else today) with `packs` (one assessment pack; default: the programme's pack,
    else domv-2023), configured by the `programme`'s settings (a Programme or its file's path),
    then `variants` and `parameters`."""
    chosen = _programme(programme)
    if chosen is not None:
        packs = chosen.pack if packs is None else packs
        variants = (*chosen.variants, *_variants(variants))
        parameters = {**chosen.parameters, **_parameters(parameters)} or None
    report = _report("case", case, packs, as_of, variants, parameters,
                     add={"programme": chosen}, source=source)
    assessment: CaseAssessment = _part(report, "assessment", "an assessment pack (a DoMV factor "
                                       "catalogue, such as domv-2023)").assessment
    return assessment


def check_eligibility(case: Document, packs: Packs = None, *,
                      as_of: dt.date | str | None = None, variants: Iterable[str] = (),
                      parameters: Parameters = None,
                      source: str | None = None) -> EligibilityReport:
    """Every service of `packs` (default eligibility-2023) for `case` on `as_of` (default: the
    case's `assessed_on`, else today): eligible, not eligible or unknown, why, and the next
    question to ask."""
    from mcrules.eligibility.services import DEFAULT_PACK

    report = _report("case", case, DEFAULT_PACK if packs is None else packs, as_of, variants,
                     parameters, source=source)
    eligibility: EligibilityReport = _part(report, "eligibility", "a pack that declares "
                                           "services (such as eligibility-2023)").eligibility
    return eligibility


def check_history(history: Document, packs: Packs = None, *,
                  as_of: dt.date | str | None = None, variants: Iterable[str] = (),
                  parameters: Parameters = None, source: str | None = None) -> CaseworkReport:
    """Every event of a case `history` judged by the guards of `packs` (default casework-2023),
    each on its own date, from the state the earlier allowed events reached."""
    if isinstance(packs, Sequence) and not isinstance(packs, str) and not packs:
        from mcrules.casework.check import guard_packs

        guard_packs(())  # NoGuardPacksError: an empty list is an error, never "no guards"
    report = _report("case_history", history, packs, as_of, variants, parameters,
                     source=source)
    casework: CaseworkReport = _part(report, "casework", "a casework pack").casework
    return casework


def decide_sharing(request: Document, packs: Packs = None, *,
                   as_of: dt.date | str | None = None, variants: Iterable[str] = (),
                   parameters: Parameters = None,
                   history: CaseHistory | str | os.PathLike[str] | Mapping[str, Any] | None = None,
                   pack: PackRef | None = None) -> SharingDecision:
    """The decision on a data-sharing `request` by `packs` (default data-sharing-2023), its
    consent references resolved against the case `history` on `as_of` (default today); `pack`
    is the former keyword for one pack, kept (give `packs` or `pack`, not both)."""
    if pack is not None:
        if packs is not None:
            raise TypeError("give packs or pack (its former name), not both")
        packs = pack
    report = _report("sharing_request", request, packs, as_of, variants, parameters,
                     extras={"history": history})
    decision: SharingDecision = _part(report, "sharing", "a pack with the sharing decision "
                                      "table (such as data-sharing-2023)").decision
    return decision


def decision_record(decision: SharingDecision, request: SharingRequest, *,
                    decision_id: str | None = None, time: dt.datetime | None = None,
                    keep: Sequence[str] = ()) -> dict[str, Any]:
    """The record of one decision (`mcrules.sharing.records.decision_record`), made `time`
    (default: now, UTC, read here once); `decision_id` (default: a random UUID) and `time` may
    be given for a reproducible record, and `keep` names the request's ids to keep (`case`,
    `consent_ref`)."""
    from mcrules.sharing.records import decision_record as record

    return record(decision, request, decision_id=decision_id,
                  time=now() if time is None else time, keep=keep)


_NAMES = {"site": "site", "case": "case", "case_history": "history",
          "sharing_request": "request"}


def _report(subject: str, document: Any, packs: Any, as_of: Any, variants: Any,
            parameters: Any, *, extras: Mapping[str, Any] | None = None,
            add: Mapping[str, Any] | None = None, source: str | None = None,
            warnings: tuple[str, ...] = ()) -> Report:
    """`evaluate`'s Report, with what the wrappers add to the context that `evaluate` has no
    argument for (a layout already read, a programme, the file's name, earlier warnings)."""
    chosen, doc, context = prepare(subject, document, data_name=_NAMES[subject], packs=packs,
                                   as_of=as_of, variants=variants, parameters=parameters,
                                   extras=extras)
    added = {k: v for k, v in (add or {}).items() if v is not None}
    if added:
        context = replace(context, extras={**context.extras, **added})
    if warnings:
        context = replace(context, warnings=(*context.warnings, *warnings))
    if source is not None:
        if not isinstance(source, str):
            raise TypeError(f"source must be a string naming the file, got "
                            f"{type(source).__name__}")
        context = replace(context, source=source)
    return check(chosen, doc, context)


def _part(report: Report, key: str, what: str) -> Any:
    """The domain part `key` of `report`; McrulesError naming what pack it needs when none of
    the packs made one."""
    if key not in report.attachments:
        packs = ", ".join(p.id for p in report.packs) or "no pack"
        raise McrulesError(f"{packs} gave no {key}: it needs {what}", path="packs")
    return report.attachments[key]


def _programme(programme: Any) -> Programme | None:
    from mcrules.assessment.programme import Programme, read_programme

    if programme is None or isinstance(programme, Programme):
        return programme
    if isinstance(programme, str | os.PathLike):
        return read_programme(Path(programme))
    raise TypeError(f"programme must be a Programme or the path of its file, got "
                    f"{type(programme).__name__}")


def _variants(variants: Any) -> tuple[Any, ...]:
    if isinstance(variants, str | bytes) or not isinstance(variants, Iterable):
        raise TypeError(f"variants must be a list of variant ids, got {type(variants).__name__}")
    return tuple(variants)


def _parameters(parameters: Any) -> Mapping[str, Any]:
    if parameters is None:
        return {}
    if not isinstance(parameters, Mapping):
        raise TypeError(f"parameters must be a mapping of name to value, got "
                        f"{type(parameters).__name__}")
    return parameters
