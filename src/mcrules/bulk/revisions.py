"""The two sides of a diff: a folder as it is, or a git ref of the repository holding the packs,
exported with `git archive` into a temporary folder (no shell, a timeout, nothing checked out)."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

from mcrules.errors import InputError

GIT_TIMEOUT = 60.0  # seconds, for each git command


def _git(repo: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True,
                              timeout=timeout, check=False)
    except FileNotFoundError:
        raise InputError("git is not installed, so a git ref cannot be read") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"git {args[0]} took more than {timeout:g} s") from None


def materialise(ref: str, repo: Path, dest: Path, packs_path: str = "rules",
                timeout: float = GIT_TIMEOUT) -> Path:
    """The folder of packs for `ref`: `ref` itself if it is a folder, else `packs_path` of the git
    commit `ref` names in `repo`, exported below `dest`. InputError when it is neither."""
    as_dir = Path(ref)
    if as_dir.is_dir():
        return as_dir
    if ref.startswith("-"):
        raise InputError(f"{ref!r} is neither a folder nor a git ref")
    found = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}",
                 timeout=timeout)
    if found.returncode != 0:
        raise InputError(f"{ref!r} is neither a folder nor a git ref of {repo}")
    commit = found.stdout.decode().strip()
    archive = _git(repo, "archive", "--format=tar", commit, "--", packs_path, timeout=timeout)
    if archive.returncode != 0:
        detail = archive.stderr.decode(errors="replace").strip().splitlines()
        raise InputError(f"{ref} ({commit[:12]}) has no {packs_path!r}: "
                         f"{detail[-1] if detail else 'git archive failed'}")
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest / packs_path


def repo_root(path: Path, timeout: float = GIT_TIMEOUT) -> Path:
    """The top of the git work tree containing `path`; `path` itself if it is in none."""
    found = _git(path, "rev-parse", "--show-toplevel", timeout=timeout)
    return Path(found.stdout.decode().strip()) if found.returncode == 0 else path
