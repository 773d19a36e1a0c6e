"""capy: a small `warnings` for the catalog's own modules.

CPython's `warnings` finds the caller's module through `sys._getframe`,
filters through `sys.warnoptions` and `__import__`, and prints through
`linecache`; none of those exist in the sandbox. This keeps the interface
the catalog uses: deprecation warnings are ignored (CPython's default
outside `__main__`), anything else is printed to the script's stderr once
per message.
"""

import sys


class catch_warnings:
    """A context manager that records nothing and changes nothing."""

    def __init__(self, *, record=False, module=None, action=None,
                 category=Warning, lineno=0, append=False):
        self._record = record

    def __enter__(self):
        return [] if self._record else None

    def __exit__(self, *exc_info):
        return False


_IGNORED = (DeprecationWarning, PendingDeprecationWarning, ImportWarning,
            ResourceWarning)
_shown = set()


def warn(message, category=None, stacklevel=1, source=None, *,
         skip_file_prefixes=()):
    if isinstance(message, Warning):
        category = message.__class__
    if category is None:
        category = UserWarning
    if issubclass(category, _IGNORED):
        return
    text = f"{category.__name__}: {message}"
    if text not in _shown:
        _shown.add(text)
        sys.stderr.write(text + "\n")


def warn_explicit(message, category, filename, lineno, module=None,
                  registry=None, module_globals=None, source=None):
    warn(message, category)


def simplefilter(action, category=Warning, lineno=0, append=False):
    pass


def filterwarnings(action, message="", category=Warning, module="",
                   lineno=0, append=False):
    pass


def resetwarnings():
    pass


def _deprecated(name, message=None, *, remove, _version=None):
    pass


class deprecated:
    """`@deprecated(msg)`: warns with DeprecationWarning (ignored here)."""

    def __init__(self, message, /, *, category=DeprecationWarning,
                 stacklevel=1):
        if not isinstance(message, str):
            raise TypeError(
                f"Expected an object of type str for 'message', not "
                f"{type(message).__name__!r}")
        self.message = message
        self.category = category
        self.stacklevel = stacklevel

    def __call__(self, arg, /):
        arg.__deprecated__ = self.message
        return arg
