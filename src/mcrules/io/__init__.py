"""Readers and writers of input documents."""

from mcrules.io.layout_file import read_layout
from mcrules.io.site_file import SiteFile, read_site, read_site_file, validate_site, validate_site_file
from mcrules.io.subject_file import read_subject, validate_model, validate_subject
from mcrules.io.waiver_file import read_waivers

__all__ = [
    "SiteFile",
    "read_layout",
    "read_site",
    "read_site_file",
    "read_subject",
    "read_waivers",
    "validate_model",
    "validate_site",
    "validate_site_file",
    "validate_subject",
]
