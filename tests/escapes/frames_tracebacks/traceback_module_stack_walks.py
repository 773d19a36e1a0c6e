# The traceback module walks stacks for the script (extract_stack,
# walk_stack, TracebackException with captured locals). It must hand the
# script only frames of its own code, even when called from inside the
# catalog's code (a json object_hook), and never a catalog frame's globals
# or locals.
import json
import traceback

seen = []


def hook(obj):
    seen.extend(f for f, _ in traceback.walk_stack(None))
    seen.extend(s for s in traceback.extract_stack())
    return obj


json.loads('{"a": {"b": 1}}', object_hook=hook)
frames = [f for f in seen if hasattr(f, "f_code")]
for f in frames:
    try:
        if f.f_globals is not globals():
            print("ESCAPED: a catalog frame from traceback:", f.f_code.co_name)
    except AttributeError:
        print("ESCAPED: a guarded (catalog) frame from traceback:", f.f_code.co_name)
print("frames", len(frames), sorted({f.f_code.co_name for f in frames}))

try:
    json.loads("{", object_hook=hook)
except json.JSONDecodeError as e:
    te = traceback.TracebackException.from_exception(e, capture_locals=True)
    for summary in te.stack:
        if summary.filename.startswith("json") and summary.locals:
            print("ESCAPED: a catalog frame's locals:", summary.name, summary.locals)
    print([s.name for s in te.stack])
