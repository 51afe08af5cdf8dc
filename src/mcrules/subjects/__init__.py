"""Subjects: the kinds of things rules are about (a site, a case), each declared once.

A `Subject` names a pydantic model and its default pack; its schema and facts are derived from the
model in one walk (`mcrules.facts`). io, testing and bulk work on any registered subject.
"""

from mcrules.subjects.context import Context, dated
from mcrules.subjects.packs import load_subject_pack, pack_subjects, subject_of
from mcrules.subjects.registry import (
    BUILTIN_DOMAINS,
    Part,
    UnknownSubjectError,
    all_subjects,
    get,
    parts_of,
    register,
    register_part,
)
from mcrules.subjects.subject import Extra, Read, Subject

__all__ = [
    "BUILTIN_DOMAINS",
    "Context",
    "Extra",
    "Part",
    "Read",
    "Subject",
    "UnknownSubjectError",
    "all_subjects",
    "dated",
    "get",
    "load_subject_pack",
    "pack_subjects",
    "parts_of",
    "register",
    "register_part",
    "subject_of",
]
