"""A test-only subject, a household, that proves io, testing and bulk work on any subject."""
