"""Subjects: the kinds of things rules are about (a site, a case), each declared once.

A `Subject` names a pydantic model and its default pack; its schema and facts are derived from the
model in one walk (`mcrules.facts`). io, testing and bulk work on any registered subject.
"""

from mcrules.subjects.packs import load_subject_pack, pack_subjects, subject_of
from mcrules.subjects.registry import (
    BUILTIN_DOMAINS,
    UnknownSubjectError,
    all_subjects,
    get,
    register,
)
from mcrules.subjects.subject import Subject

__all__ = [
    "BUILTIN_DOMAINS",
    "Subject",
    "UnknownSubjectError",
    "all_subjects",
    "get",
    "load_subject_pack",
    "pack_subjects",
    "register",
    "subject_of",
]
