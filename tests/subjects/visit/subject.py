"""The visit subject: a document, an extra, derived facts and a part, declared here only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from mcrules.subjects import Context, Extra, Part, Subject, register, register_part
from tests.subjects.visit.model import Registration, VisitFacts, VisitRequest

PACK_DIR = Path(__file__).resolve().parent / "pack"


@dataclass(frozen=True)
class VisitSubject(Subject[VisitRequest]):
    def derive(self, document: VisitRequest, context: Context) -> BaseModel:
        """A minor by the packs' adult age on `as_of`; days registered by the registration that
        came with the request (none: unknown)."""
        reg = context.extra("registration")
        on = reg.registered_on if isinstance(reg, Registration) else None
        return VisitFacts(minor_visitor=context.is_child(document.visitor_age),
                          accompanied=document.accompanied,
                          days_registered=None if on is None else (context.as_of - on).days)


VISIT = VisitSubject(
    name="visit_request",
    model=VisitRequest,
    default_pack="visit-test",
    description="A request to visit a resident (a test-only subject with derived facts).",
    label_field="id",
    facts_model=VisitFacts,
    extras=(Extra("registration", "the resident's registration", Registration),),
)
register(VISIT)
register_part(Part(VISIT.name, "visit", lambda pack: getattr(pack, "id", "") == "visit-test",
                   "tests.subjects.visit.part:make", schema="tests.subjects.visit.part:VisitOut"))
