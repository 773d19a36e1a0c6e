# Calls every native callable a script can reach with hostile arguments:
# the builtins, every method and descriptor of every built-in class
# reachable through `object.__subclasses__()` and the granted modules, and
# the granted modules' native functions and classes. Each call may raise
# anything; what it must not do is trap the guest.
#
# The host puts `import NAME` lines for the granted modules above this
# file, then `START = <n>` (the first target to call: after a trap the host
# starts again past the culprit), `LONG = <bool>` (more values, and every
# pair of them) and `EXTRA`, a list of `(label, callable)` that, when not
# empty, replaces the targets (the harness's own test). Before each target
# the script prints `CALL <index> <label>`, so the host knows which one
# trapped; at the end, `DONE <targets> <calls>`.

native_kinds = {
    "builtin_function_or_method", "method_descriptor", "wrapper_descriptor",
    "classmethod_descriptor", "getset_descriptor", "member_descriptor",
    "method-wrapper", "builtin_method", "staticmethod", "classmethod",
}
# Calls that wait by design: a sweep must not sit in them.
skipped_names = {"sleep", "input", "breakpoint", "wait"}
# Calls that would change the sweep's own footing: a recursion limit of 1
# leaves every later call a RecursionError.
skipped_names |= {"setrecursionlimit"}


def label_of(obj):
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", "?")
    if not isinstance(module, str):
        module = ""
    if not isinstance(name, str):
        name = "?"
    return f"{module}.{name}" if module else name


# --- the targets, in an order that is the same on every run --------------

granted = [(name, value) for name, value in list(globals().items())
           if type(value).__name__ == "module" and not name.startswith("_")]
builtins_namespace = __builtins__ if isinstance(__builtins__, dict) else vars(__builtins__)

types_seen = {}


def add_type(t):
    if not isinstance(t, type):
        return
    key = id(t)
    if key in types_seen:
        return
    types_seen[key] = t
    try:
        subclasses = type.__subclasses__(t)
    except Exception:
        subclasses = []
    for sub in subclasses:
        add_type(sub)


add_type(object)
for name, value in sorted(builtins_namespace.items()):
    add_type(value)
    add_type(type(value))
for _, module in granted:
    for name in sorted(dir(module)):
        try:
            add_type(getattr(module, name))
        except Exception:
            pass

targets = []
for name, value in sorted(builtins_namespace.items()):
    if callable(value) and name not in skipped_names:
        targets.append((f"builtins.{name}", value))
for module_name, module in granted:
    for name in sorted(dir(module)):
        if name in skipped_names:
            continue
        try:
            value = getattr(module, name)
        except Exception:
            continue
        if type(value).__name__ in native_kinds or isinstance(value, type):
            targets.append((f"{module_name}.{name}", value))
for t in sorted(types_seen.values(), key=label_of):
    targets.append((label_of(t), t))
    for name in sorted(k for k in vars(t) if isinstance(k, str)):
        if name in skipped_names:
            continue
        value = vars(t)[name]
        if type(value).__name__ not in native_kinds:
            continue
        if type(value).__name__ in ("staticmethod", "classmethod"):
            value = getattr(t, name, None)
        if value is None:
            continue
        targets.append((f"{label_of(t)}.{name}", value))
        for part in ("__get__", "__set__", "__delete__"):
            accessor = getattr(value, part, None)
            if accessor is not None and type(value).__name__.endswith("descriptor"):
                targets.append((f"{label_of(t)}.{name}.{part}", accessor))


if EXTRA:
    targets = EXTRA


# --- the arguments ---------------------------------------------------------

class Reentrant:
    """Calls the target under test again from its own dunders, once."""
    depth = 0

    def _again(self):
        if Reentrant.depth < 1 and current is not None:
            Reentrant.depth += 1
            try:
                current(self)
            except BaseException:
                pass
            finally:
                Reentrant.depth -= 1

    def __eq__(self, other):
        self._again()
        return True

    def __hash__(self):
        self._again()
        return 1

    def __index__(self):
        self._again()
        return 1

    def __len__(self):
        self._again()
        return 1

    def __iter__(self):
        self._again()
        return iter([self])

    def __str__(self):
        self._again()
        return "r"

    def __lt__(self, other):
        self._again()
        return False

    def __getitem__(self, key):
        self._again()
        return self


def deep_list(depth):
    nest = []
    for _ in range(depth):
        nest = [nest]
    return nest


def hostile_values():
    """The sample every run calls with, alone, doubled and with two ones."""
    return [None, -1, 0, 1, 2**63, 2**64, -(2**63) - 1, float("nan"),
            float("inf"), 1e308, "x", "", b"\xff", [], {}, (), object(),
            Reentrant(), deep_list(10_000), lambda *a, **k: None]


def more_values():
    """What the long run adds, alone and paired with the sample."""
    return ["x" * 100_000, b"\x00" * 100_000, 2**31, -(2**31), 2**32,
            10**100, [Reentrant()], {Reentrant(): 1}, (1, 2, 3),
            frozenset({1}), bytearray(b"ab"), 1j, 0.5]


current = None
calls = 0


def poke(result):
    """Touches a result the ways a script would: iterate, repr, hash."""
    try:
        if hasattr(type(result), "__next__"):
            for _ in range(3):
                next(result)
    except BaseException:
        pass
    for touch in (repr, hash, len):
        try:
            touch(result)
        except BaseException:
            pass


def call(target, *args):
    global calls
    calls += 1
    try:
        poke(target(*args))
    except BaseException:
        pass


for index, (label, target) in enumerate(targets):
    if index < START:
        continue
    print("CALL", index, label)
    current = target
    values = hostile_values()
    call(target)
    for value in values:
        call(target, value)
        call(target, value, value)
        call(target, value, 1, 1)
    if LONG:
        extra = more_values()
        for value in extra:
            call(target, value)
            call(target, value, 1, 1)
        for first in values:
            for second in values + extra:
                call(target, first, second)
    current = None

print("DONE", len(targets), calls)
