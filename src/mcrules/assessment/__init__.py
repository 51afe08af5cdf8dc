"""Case assessment."""
from mcrules.assessment.subject import CASE

__all__ = ["CASE"]
