"""The rule-pack format: YAML loaded into typed IR, the expression grammar, provenance, variants."""

from mcrules.rules.discovery import available_packs, find_pack
from mcrules.rules.expr import Scope, parse_expression
from mcrules.rules.ir import Citation, Document, Lever, Parameter, Rule, Severity
from mcrules.rules.pack import Pack, Variant
from mcrules.rules.pin import PackRef, check_ruleset_hash, load_pack, ruleset_hash_of
from mcrules.rules.schema import Collection, FieldSpec, Schema

__all__ = [
    "Citation",
    "Collection",
    "Document",
    "FieldSpec",
    "Lever",
    "Pack",
    "PackRef",
    "Parameter",
    "Rule",
    "Schema",
    "Scope",
    "Severity",
    "Variant",
    "available_packs",
    "check_ruleset_hash",
    "find_pack",
    "load_pack",
    "parse_expression",
    "ruleset_hash_of",
]
