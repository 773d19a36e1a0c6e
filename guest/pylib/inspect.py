"""capy: the few `inspect` helpers the catalog's modules use.

CPython's `inspect` reads source files, disassembles bytecode and walks
frames; a sandbox has none of that to offer. `dataclasses` and `typing`
need only what is here.
"""

import types

_sentinel = object()


def isclass(obj):
    return isinstance(obj, type)


def isfunction(obj):
    return isinstance(obj, types.FunctionType)


def ismethod(obj):
    return isinstance(obj, types.MethodType)


def unwrap(func, *, stop=None):
    """Follows `__wrapped__` chains, as CPython's `inspect.unwrap`."""
    seen = {id(func)}
    while hasattr(func, "__wrapped__") and not (stop and stop(func)):
        func = func.__wrapped__
        if id(func) in seen:
            raise ValueError(f"wrapper loop when unwrapping {func!r}")
        seen.add(id(func))
    return func


def getattr_static(obj, attr, default=_sentinel):
    """Looks `attr` up without running descriptors or `__getattr__`."""
    if not isinstance(obj, type):
        try:
            instance_dict = object.__getattribute__(obj, "__dict__")
        except AttributeError:
            instance_dict = {}
        if attr in instance_dict:
            return instance_dict[attr]
        klass = type(obj)
    else:
        klass = obj
    for entry in type.__dict__["__mro__"].__get__(klass):
        entry_dict = type.__dict__["__dict__"].__get__(entry)
        if attr in entry_dict:
            return entry_dict[attr]
    if default is not _sentinel:
        return default
    raise AttributeError(attr)


def signature(obj, *, follow_wrapped=True, globals=None, locals=None,
              eval_str=False, annotation_format=None):
    raise ValueError(f"no signature found for {obj!r} in the sandbox")
