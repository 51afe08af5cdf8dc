"""Load a pack folder (`pack.yaml`, `parameters/*.yaml`, rule files) into checked IR.

The loader is four modules, by concept: `discovery.py` (where packs and their files are),
`assembly.py` (pack.yaml, required packs, overlays, documents, variants: `load_pack`),
`parameter_files.py` (parameters/*.yaml) and `rule_files.py` (rules, values and decision
tables). This module keeps the import path `mcrules.rules.loader` that code outside the package
and older callers use; code inside mcrules imports from the module that holds the name.
"""

from __future__ import annotations

from mcrules.rules.assembly import OVERLAY_KEYS, PACK_KEYS, load_pack, pack_documents
from mcrules.rules.context import NAME, RULE_ID
from mcrules.rules.discovery import (
    MAX_OVERLAY_DEPTH,
    available_packs,
    builtin_pack_dir,
    find_pack,
    inside_pack,
    pack_folders,
    pack_search_path,
    read_pack_file,
)
from mcrules.rules.parameter_files import ISO_DATE, PARAM_KEYS, pack_parameters
from mcrules.rules.rule_files import FILE_KEYS, RULE_KEYS, VALUE_KEYS, PackEnv

# The names these had when they were private to this module.
_documents = pack_documents
_parameters = pack_parameters
_read = read_pack_file
_PackEnv = PackEnv

__all__ = [
    "FILE_KEYS", "ISO_DATE", "MAX_OVERLAY_DEPTH", "NAME", "OVERLAY_KEYS", "PACK_KEYS", "PARAM_KEYS",
    "RULE_ID", "RULE_KEYS", "VALUE_KEYS", "PackEnv", "_PackEnv", "_documents", "_parameters",
    "_read", "available_packs", "builtin_pack_dir", "find_pack", "inside_pack", "load_pack",
    "pack_documents", "pack_folders", "pack_parameters", "pack_search_path", "read_pack_file",
]
