"""The `mcrules` command line: parse arguments, call the API, render, set the exit code."""
