"""Bulk evaluation: a rule pack over millions of rows of its subject from CSV, JSON Lines or Parquet.

Rows stream through in bounded record batches; each batch is converted to columns (with the same
semantics as reading one file of the subject, which the pack's rules name), evaluated by the
columnar evaluator, and written out as one row per (input row, rule). Invalid rows are
quarantined with their row number and reason, never dropped: rows read = rows evaluated + rows
rejected. Needs the `bulk` extra (numpy, pyarrow).
"""

from mcrules.bulk.convert import Converter, Reject, to_columns
from mcrules.bulk.run import (
    OUTPUT_SCHEMA,
    REJECT_SCHEMA,
    BatchResult,
    BulkIntegrityError,
    BulkRun,
    BulkSummary,
    compile_pack,
    evaluate,
    evaluate_batch,
    run_file,
)

__all__ = [
    "OUTPUT_SCHEMA",
    "REJECT_SCHEMA",
    "BatchResult",
    "BulkIntegrityError",
    "BulkRun",
    "BulkSummary",
    "Converter",
    "Reject",
    "compile_pack",
    "evaluate",
    "evaluate_batch",
    "run_file",
    "to_columns",
]
