"""Rows of a subject whose facts are derived from its document (a sharing request): each row is
validated whole as the document, exactly as a file of it, then `derive`d in the run's context,
and the facts are laid out as columns for the columnar evaluator.

A derived subject's facts depend on more than the row (a sharing request's fields are classified
by the configured pack's catalogue, on the run's date, with its adult age), so conversion is row
by row through the subject's own contract: the same `Subject.facts(document, context)` the scalar
path calls, so a row's verdict in bulk is the verdict of the same document checked alone. A run
carries no companion documents (`Context.extras` is empty): a sharing request's `consent_ref`
then resolves to no consent, which fails closed.

Which subjects bulk cannot convert at all is decided here too, once, before any row is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from pydantic import ValidationError

from mcrules.bulk.convert import Converted, Converter
from mcrules.bulk.layout import document_layout
from mcrules.errors import McrulesError
from mcrules.rules.pack import Pack
from mcrules.subjects import Context, Subject, get, subject_of


class DerivedConverter(Converter):
    """Converts batches of a derived subject's documents in one or more contexts (one per pack
    version, for `diff`): every context sees the same valid rows, and a row whose document is
    refused, or whose facts cannot be derived in any one of them, is a reject of that row."""

    def __init__(self, subject: Subject[Any], contexts: Sequence[Context], *,
                 strict: bool = False) -> None:
        if not contexts:
            raise ValueError("a derived subject's rows need at least one context")
        super().__init__(subject.schema(), subject.model, strict=strict,
                         layout=document_layout(subject.model))
        self.subject = subject
        self.contexts = tuple(contexts)
        self._probe()

    def _probe(self) -> None:
        """Derive an empty document once in every context, when the model admits one: a
        context that cannot derive anything (a pack whose catalogue is missing or invalid) is
        then a McrulesError before any row is read, not the same reject on every row."""
        try:
            empty = self.subject.model.model_validate({})
        except ValidationError:
            return
        for context in self.contexts:
            self.subject.facts(empty, context)

    def convert(self, batch: pa.RecordBatch, row_offset: int = 0) -> Converted:
        """The batch's facts in the first context."""
        return self.convert_each(batch, row_offset)[0]

    def convert_each(self, batch: pa.RecordBatch, row_offset: int = 0) -> list[Converted]:
        """The batch's facts in each context, over the same rows, in context order."""
        flat = self._flat(batch)
        facts: list[list[dict[str, Any]]] = [[] for _ in self.contexts]
        valid: list[int] = []
        for i, document in self._documents(flat):
            try:
                mine = [self.subject.facts(document, c) for c in self.contexts]
            except McrulesError as exc:  # a fact the document cannot give here: this row only
                flat.flag(i, [(exc.path or "", exc.message)])
                continue
            for k, found in enumerate(mine):
                facts[k].append(found)
            valid.append(i)
        return [self._laid_out(flat, found, valid, row_offset) for found in facts]


def bulk_subject(pack: Pack, subject: str | Subject[Any] | None = None) -> Subject[Any]:
    """The subject of `pack`'s rows (`subject` when named, else the pack's own), refused with a
    McrulesError naming it and why when bulk cannot convert its rows at all: a subject whose
    packs judge something inside it rather than the row (a case history, judged event by event
    by the guards about each `case_event`) has no one set of facts per row."""
    if subject is not None:
        named = get(subject) if isinstance(subject, str) else subject
        if named.rules_subject != named.name:
            inner = named.rules_subject.replace("_", " ")
            raise McrulesError(
                f"bulk cannot evaluate {named.noun} rows with pack {pack.id}: its rules are "
                f"about each {inner} of a {named.noun}, not about the {named.noun} as one row; "
                f"evaluate each {named.noun} on its own (mcrules.evaluate({named.name!r}, "
                f"FILE)), or give bulk one {inner} per row", path="subject")
    return subject_of(pack, subject)


def converter_for(subject: Subject[Any], contexts: Sequence[Context], *,
                  strict: bool = False) -> Converter:
    """The converter of `subject`'s rows: column by column when a row is the facts, else row by
    row through `derive` in `contexts`."""
    if subject.columnar:
        return Converter(subject.schema(), subject.model, strict=strict)
    return DerivedConverter(subject, contexts, strict=strict)
