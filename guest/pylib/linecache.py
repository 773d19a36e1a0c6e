"""capy: `linecache` for the catalog's `traceback` and `warnings`.

CPython's reads source files from disk (and through module loaders); the
sandbox has neither. This one answers from the sources the sandbox itself
ran (each script and REPL input, by the file name its tracebacks show),
through the native `_capy_stack.source_line`. Catalog modules have no
lines, as in the sandbox's own tracebacks.
"""

import _capy_stack

__all__ = ["getline", "clearcache", "checkcache", "lazycache"]

# Kept for code that inspects it; lines are never cached here.
cache = {}


def getline(filename, lineno, module_globals=None):
    """Line `lineno` of `filename` with its newline, or '' if unknown."""
    if not isinstance(filename, str) or not isinstance(lineno, int):
        return ''
    line = _capy_stack.source_line(filename, lineno)
    return '' if line is None else line + '\n'


def getlines(filename, module_globals=None):
    """All lines of `filename` (each with its newline), or []."""
    lines = []
    lineno = 1
    while True:
        line = getline(filename, lineno)
        if not line:
            return lines
        lines.append(line)
        lineno += 1


def clearcache():
    """Nothing is cached."""


def checkcache(filename=None):
    """Nothing is cached, so nothing is stale."""


def updatecache(filename, module_globals=None):
    """The lines of `filename`, as `getlines`."""
    return getlines(filename, module_globals)


def lazycache(filename, module_globals):
    """No loaders in the sandbox: nothing to register."""
    return False
