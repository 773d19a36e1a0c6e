# After every module has loaded, walking __subclasses__ (from object and
# from the in-memory streams' bases) finds no file, thread or import class.
import csv, json, re, decimal, dataclasses, typing, datetime, hashlib, random, uuid, zlib, collections, enum, time

BAD = {"FileIO", "TextIOWrapper", "BufferedReader", "BufferedWriter", "BufferedRandom",
       "BuiltinImporter", "FrozenImporter", "PathFinder", "FileFinder", "SourceFileLoader",
       "ModuleSpec", "_ModuleLock", "Thread", "_RawIOBase"}

def walk(root):
    stack, seen = [root], set()
    while stack:
        cls = stack.pop()
        if id(cls) in seen:
            continue
        seen.add(id(cls))
        if cls.__name__ in BAD:
            print("ESCAPED: reached", cls.__module__, cls.__name__)
        try:
            stack.extend(type.__subclasses__(cls))
        except TypeError:
            pass
    return seen

walk(object)
for base in csv.StringIO.__mro__:
    walk(base)
print("ok")
