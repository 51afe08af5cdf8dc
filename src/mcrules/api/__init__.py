"""The one front door: `evaluate(subject, data, ...)` for every subject, and what it is made of.

The CLI, the HTTP service, bulk and the YAML cases call this rather than a domain's own
function, so every subject is read, configured, dated and reported the same way. Importing the
package loads the engine: a light caller (the CLI's error printing under `--help`) imports a
module of it (`mcrules.api.errors`) only when it needs it.
"""

from mcrules.api.evaluate import check, evaluate, read

__all__ = ["check", "evaluate", "read"]
