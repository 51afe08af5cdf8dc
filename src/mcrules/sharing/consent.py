"""The consent query data sharing resolves its references with; it lives with the consent records
(`mcrules.models.consent_query`) so case management asks the same one."""

from mcrules.models.consent_query import ConsentAnswer, record_problem, valid_consent

__all__ = ["ConsentAnswer", "record_problem", "valid_consent"]
