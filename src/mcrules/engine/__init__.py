"""Compiles rule IR into evaluators; outcomes, explanations, counterfactuals."""

from mcrules.engine.compiled import compile_expr
from mcrules.engine.outcomes import Code, Fix, Outcome, Result
from mcrules.engine.scalar import ScalarEvaluator

__all__ = ["Code", "Fix", "Outcome", "Result", "ScalarEvaluator", "compile_expr"]
