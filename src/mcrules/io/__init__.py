"""Readers and writers of input documents."""

from mcrules.io.site_file import read_site, validate_site
from mcrules.io.subject_file import read_subject, validate_model, validate_subject
from mcrules.io.waiver_file import read_waivers

__all__ = ["read_site", "read_subject", "read_waivers", "validate_model", "validate_site",
           "validate_subject"]
