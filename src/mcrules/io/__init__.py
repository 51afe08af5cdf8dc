"""Readers and writers of input documents."""

from mcrules.io.site_file import read_site, validate_site

__all__ = ["read_site", "validate_site"]
