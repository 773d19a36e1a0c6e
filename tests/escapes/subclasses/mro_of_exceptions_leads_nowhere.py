for c in BaseException.__subclasses__() + Exception.__subclasses__() + OSError.__subclasses__():
    if getattr(c, "__module__", "") not in ("builtins",):
        print("ESCAPED: non-builtin exception class", c.__module__, c.__name__)
