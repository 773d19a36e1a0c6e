# Objects a script can reach carry no module: builtin functions, the
# proxies, exceptions raised by the host, classes' __module__ strings.
import_free = [print, len, data, data / "a.txt", data.iterdir, (data / "a.txt").open, ValueError("x")]
for obj in import_free:
    for attr in ("__self__", "__module__", "__objclass__", "__func__"):
        v = getattr(obj, attr, None)
        if type(v).__name__ == "module": print("ESCAPED: module via", attr)
try:
    (data / "nope").read_text()
except OSError as e:
    for v in (e.__class__, e.__traceback__, e.__context__, e.__cause__):
        if type(v).__name__ == "module": print("ESCAPED")
