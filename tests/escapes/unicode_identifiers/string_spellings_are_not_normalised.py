# getattr and str-based lookups do not NFKC-normalise: the fullwidth
# spelling names a different (missing) attribute.
def f(): pass
for name in ("__ｇｌｏｂａｌｓ__", "__ｃｏｄｅ__", "__ｓｕｂｃｌａｓｓｅｓ__"):
    for obj in (f, object, data):
        try:
            v = getattr(obj, name)
            print("ESCAPED:", name, v)
        except AttributeError:
            pass
b = __builtins__
for name in ("ｏｐｅｎ", "ｅｖａｌ", "__ｉｍｐｏｒｔ__"):
    if name in b: print("ESCAPED:", name)
