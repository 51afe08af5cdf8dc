"""Compiles rule IR into evaluators; outcomes, explanations, counterfactuals."""

from mcrules.engine.outcomes import Code, Fix, Outcome, Result
from mcrules.engine.scalar import ScalarEvaluator, compile_expr

__all__ = ["Code", "Fix", "Outcome", "Result", "ScalarEvaluator", "compile_expr"]
