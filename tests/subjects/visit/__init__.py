"""A test-only subject whose facts are derived: a visit request, judged on facts derived from it
and its registration on the context's date, with a typed part. Nothing about it is in mcrules."""
