#!/usr/bin/env python3
"""Runs CPython 3.11's own tests of the modules capy offers, under CPython and capy.

    python3 bench/stdlib_tests/run.py [--capy PATH] [--modules m1,m2] [--jobs N]

For each module, the CPython test file (or package) is turned into ONE
self-contained script: `unittest_standin.py` (a small unittest/test.support
stand-in) is pasted at the top, the test file's imports are rewritten so that
the stand-ins are bound and anything that cannot be imported becomes a
placeholder (a test using it is skipped, not the whole file), helper modules
from CPython's test directory are inlined, and a last line runs every test
method on its own.  The same script runs under CPython and under capy, and
the table compares them: of the methods that pass under CPython, how many
pass under capy.  See README.md for what is and is not measured.

Standard library only; the CPython used to run the scripts (and whose test
files are read) is --python, 3.11.7 by default.
"""

from __future__ import annotations

import argparse
import ast
import collections
import concurrent.futures
import dataclasses
import io
import json
import os
import re
import subprocess
import sys
import time
import tokenize
from pathlib import Path

HERE = Path(__file__).resolve().parent
STANDIN = HERE / "unittest_standin.py"
DEFAULT_PYTHON = "/root/.pyenv/versions/3.11.7/bin/python"
DEFAULT_CAPY = "/tmp/capy-harness/capy"
DEFAULT_WORK = Path("/tmp/harness-work/stdlib_tests")

# The modules capy offers when the binary cannot be asked (the 53 of the
# README's "Standard-library modules" when this was written).
FALLBACK_MODULES = """
    __future__ abc array base64 binascii bisect cmath collections colorsys contextlib copy
    copyreg csv dataclasses datetime decimal difflib enum fnmatch fractions functools graphlib
    hashlib heapq hmac html io ipaddress itertools json keyword math numbers operator pprint
    random re reprlib secrets shlex statistics string struct sys textwrap time tomllib types
    typing unicodedata uuid weakref zlib
""".split()

# A module's CPython tests, where they are not (only) test_<module>.
TESTS_FOR = {
    "html": ["test_html", "test_htmlparser"],
    "numbers": ["test_abstract_numbers"],
    "urllib": ["test_urlparse"],          # capy's urllib is urllib.parse
}
# test_datetime.py only re-runs datetimetester.py twice (C and pure Python).
MAIN_FILE_OVERRIDES = {"test_datetime": "datetimetester.py"}

# Limits for one capy run (generous: this measures correctness, not speed).
CAPY_LIMITS = ["--cpu", "120s", "--timeout", "300s", "--memory", "1GiB", "--max-output", "64MiB"]
CPYTHON_TIMEOUT = 900.0

# The stand-in's protocol lines; it starts each on a fresh line.
PROTOCOL = re.compile(r"^(START|RESULT|DETAIL|ABORT|NOTE|SLOW|DONE)(?: (.*))?$")
OUTCOMES = ("pass", "fail", "error", "skip")


# ---------------------------------------------------------------------------
# Which tests
# ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Suite:
    """One CPython test file or package, measured as one script."""

    name: str                    # e.g. "test_json"
    module: str                  # the capy module it exercises, e.g. "json"
    files: tuple[Path, ...]      # the test code, concatenated in this order
    package: str | None          # "test.test_json" for a package, else None


def capy_modules(capy: str) -> list[str]:
    """The modules the capy binary can grant: its usage error for an unknown
    `--module` lists them.  Falls back to FALLBACK_MODULES."""
    try:
        proc = subprocess.run([capy, "run", "--module", "no-such-module", os.devnull],
                              capture_output=True, text=True, timeout=60)
    except OSError:
        return FALLBACK_MODULES
    match = re.search(r"can grant: ([\w., ]+)", proc.stderr)
    return [m.strip() for m in match.group(1).split(",")] if match else FALLBACK_MODULES


def find_suites(test_dir: Path, modules: list[str], wanted: list[str] | None) -> list[Suite]:
    """The suites for every offered module that has a CPython test (or for `wanted`)."""
    candidates: dict[str, str] = {}
    for module in modules:
        for test_name in TESTS_FOR.get(module, [f"test_{module}"]):
            candidates[test_name] = module
    if wanted:
        names = []
        for w in wanted:
            tests = [t for t, m in candidates.items() if m == w]
            names += tests or [w if w.startswith("test_") else f"test_{w}"]
        names = list(dict.fromkeys(names))
        unknown = [n for n in names if n not in candidates]
        if unknown:
            sys.exit(f"unknown module(s): {', '.join(unknown)}")
    else:
        names = sorted(candidates)
    suites = []
    for name in names:
        main = MAIN_FILE_OVERRIDES.get(name)
        if main is not None:
            suites.append(Suite(name, candidates[name], (test_dir / main,), None))
        elif (test_dir / f"{name}.py").is_file():
            suites.append(Suite(name, candidates[name], (test_dir / f"{name}.py",), None))
        elif (test_dir / name / "__init__.py").is_file():
            package = test_dir / name
            files = [package / "__init__.py"] + sorted(package.glob("test_*.py"))
            suites.append(Suite(name, candidates[name], tuple(files), f"test.{name}"))
        elif wanted:
            sys.exit(f"no CPython test file for {name}")
    return suites


# ---------------------------------------------------------------------------
# Building the script
# ---------------------------------------------------------------------------

STANDIN_ROOTS = ("unittest", "test.support")

# CPython's C-API test modules: what needs them tests CPython's own C API,
# so they are treated as absent under both interpreters (like cpython_only).
CPYTHON_INTERNALS = {"_testcapi", "_testinternalcapi", "_testbuffer", "_testmultiphase",
                     "_testimportmultiple", "_testsinglephase", "_testclinic", "_xxsubinterpreters"}


def absent_import(name: str) -> str:
    return f"raise ImportError({name + ': a CPython C-API test module, not measured'!r})"


class HelperUnavailable(Exception):
    """A helper module cannot be inlined (e.g. it needs a __future__ import)."""


def is_standin_module(name: str) -> bool:
    """Modules the stand-in provides: unittest[.x], test, test.support[.x]."""
    return name == "test" or any(name == r or name.startswith(r + ".") for r in STANDIN_ROOTS)


def catches_import_error(handler: ast.ExceptHandler) -> bool:
    """Whether an except clause would catch a failed import."""
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    names = {t.id if isinstance(t, ast.Name) else getattr(t, "attr", "") for t in types}
    return bool(names & {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def protected_imports(tree: ast.AST) -> set[int]:
    """ids of import statements inside a `try` whose handlers catch ImportError."""
    protected: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(catches_import_error(h) for h in node.handlers):
            for stmt in node.body:
                for inner in ast.walk(stmt):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        protected.add(id(inner))
    return protected


def fresh_module_names(tree: ast.AST) -> set[str]:
    """Module names given as literals to import_module() / import_fresh_module()."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if called not in ("import_module", "import_fresh_module"):
            continue
        values = list(node.args[:1]) + [k.value for k in node.keywords if k.arg in ("fresh", "blocked")]
        for value in values:
            items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
            for item in items:
                if isinstance(item, ast.Constant) and isinstance(item.value, str):
                    names.add(item.value)
    return names


def string_continuation_lines(source: str) -> set[int]:
    """Line numbers that continue a multi-line string literal (not to be indented)."""
    keep: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
            keep.update(range(tok.start[0] + 1, tok.end[0] + 1))
    return keep


def indent_lines(lines: list[str], first: int, keep: set[int], prefix: str = "    ") -> list[str]:
    """Indent `lines` (numbered from `first`), leaving string continuations alone."""
    return [line if (n in keep or not line.strip()) else prefix + line
            for n, line in enumerate(lines, start=first)]


def indent_code(source: str, prefix: str) -> str:
    """Indent every line except those inside a multi-line string literal."""
    lines = source.splitlines(keepends=True)
    return "".join(indent_lines(lines, 1, string_continuation_lines(source), prefix))


STANDIN_BINDERS = {"_su_module", "_su_from", "_su_helper", "_su_helper_from", "_su_missing"}


def is_import_like(node: ast.stmt) -> bool:
    """An import, or what rewrite_import()/rewrite_from() made of one."""
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.Pass)):
        return True
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
        func = node.value.func
        return isinstance(func, ast.Name) and func.id in STANDIN_BINDERS
    if isinstance(node, ast.Try) and not node.finalbody and not node.orelse:
        return (all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in node.body)
                and all(isinstance(h.type, ast.Name) and h.type.id == "ImportError" for h in node.handlers))
    return False


def guard_statements(source: str) -> str:
    """Wrap each top-level statement in try/except, so that one that fails
    (say, a class whose base the interpreter lacks) costs only its own tests,
    not the whole file.  The failure is reported as a NOTE line.

    Imports (already guarded) and the docstring are left as they are;
    statements sharing a line are wrapped together.
    """
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    keep = string_continuation_lines(source)
    groups: list[list[int]] = []   # [first line, last line]
    for index, node in enumerate(tree.body):
        if is_import_like(node):
            continue
        if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        if groups and first <= groups[-1][1]:
            groups[-1][1] = max(groups[-1][1], node.end_lineno)
        else:
            groups.append([first, node.end_lineno])
    for first, last in reversed(groups):
        summary = lines[first - 1].strip()[:80]
        body = indent_lines(lines[first - 1:last], first, keep)
        if not body[-1].endswith("\n"):
            body[-1] += "\n"
        lines[first - 1:last] = ["try:\n", *body, "except Exception as _su_exc:\n",
                                 f"    _su_load_error({summary!r}, _su_exc)\n"]
    return "".join(lines)


class ScriptBuilder:
    """Turns one Suite into one self-contained script."""

    def __init__(self, suite: Suite, test_dir: Path) -> None:
        self.suite = suite
        self.test_dir = test_dir
        self.futures: list[str] = []
        self.helpers: dict[str, str] = {}       # module name -> loader function source
        self.helper_order: list[str] = []
        self.fresh_names: set[str] = set()
        self.notes: list[str] = []

    # -- helper modules -------------------------------------------------
    def helper_path(self, name: str) -> Path | None:
        """The file of a module under CPython's test directory, if there is one."""
        if not name.startswith("test.") or is_standin_module(name):
            return None
        rel = Path(*name.split(".")[1:])
        for candidate in (self.test_dir / rel.with_suffix(".py"), self.test_dir / rel / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None

    def own_package(self, name: str) -> bool:
        return self.suite.package is not None and name == self.suite.package

    def is_part(self, name: str) -> bool:
        """A module concatenated into the script (the package's test_* files)."""
        if self.suite.package is None or not name.startswith(self.suite.package + "."):
            return False
        stem = name.rsplit(".", 1)[1]
        return any(f.stem == stem for f in self.suite.files)

    def require_helper(self, name: str) -> bool:
        """Inline the helper module `name` (once); False if it cannot be."""
        if name in self.helpers:
            return True
        path = self.helper_path(name)
        if path is None:
            return False
        self.helpers[name] = ""  # placeholder: guards against import cycles
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        try:
            body = self.transform(path.read_text(), package=package, is_helper=True)
        except (HelperUnavailable, SyntaxError) as exc:
            self.notes.append(f"helper {name} not inlined: {exc}")
            del self.helpers[name]
            return False
        func = "_su_load__" + re.sub(r"\W", "_", name)
        self.helpers[name] = (
            f"def {func}():\n"
            f"    __file__ = {str(path)!r}\n"
            f"{indent_code(body, '    ')}\n"
            f"    return _su_namespace({name!r}, locals())\n\n\n"
            f"_su_HELPERS[{name!r}] = {func}\n"
        )
        self.helper_order.append(name)
        return True

    # -- import rewriting -------------------------------------------------
    @staticmethod
    def guarded(statement: str, binds: str, missing: str, fallback: str | None = None) -> list[str]:
        """`statement`, or a placeholder bound to `binds` if the import fails."""
        lines = ["try:", f"    {statement}", "except ImportError:"]
        if fallback is not None:
            lines += ["    try:", f"        {fallback}", "    except ImportError:",
                      f"        {binds} = _su_missing({missing!r})"]
        else:
            lines.append(f"    {binds} = _su_missing({missing!r})")
        return lines

    def rewrite_import(self, node: ast.Import, protected: bool) -> list[str]:
        out: list[str] = []
        for alias in node.names:
            name, top = alias.name, alias.name.split(".")[0]
            bound = alias.asname or top
            if is_standin_module(name):
                out.append(f"{bound} = _su_module({(name if alias.asname else top)!r})")
            elif name.startswith("test.") and (self.own_package(name) or self.is_part(name)):
                out.append("pass  # the package is this script")
            elif name.startswith("test.") and self.require_helper(name):
                if alias.asname:
                    out.append(f"{bound} = _su_helper({name!r})")
                else:
                    out += ["test = _su_module('test')", f"test.{name[5:]} = _su_helper({name!r})"]
            elif top in CPYTHON_INTERNALS:
                out += [absent_import(name)] if protected else self.guarded(absent_import(name), bound, name)
            elif protected:
                out.append(f"import {name}" + (f" as {alias.asname}" if alias.asname else ""))
            elif alias.asname or "." not in name:
                stmt = f"import {name}" + (f" as {alias.asname}" if alias.asname else "")
                out += self.guarded(stmt, bound, name)
            else:
                out += self.guarded(f"import {name}", top, top, fallback=f"import {top}")
        return out

    def rewrite_from(self, node: ast.ImportFrom, package: str | None, protected: bool,
                     is_helper: bool) -> list[str]:
        module = node.module or ""
        if node.level:
            if package is None:
                raise HelperUnavailable(f"relative import outside a package: from {'.' * node.level}{module}")
            base = package.split(".")
            base = base[: len(base) - node.level + 1]
            module = ".".join(base + ([module] if module else []))
        if module == "__future__":
            if is_helper:
                raise HelperUnavailable("uses a __future__ import")
            self.futures.append(f"from __future__ import {', '.join(a.name for a in node.names)}")
            return ["pass  # __future__ import moved to the top of the script"]
        if any(a.name == "*" for a in node.names):
            return [ast.unparse(node)]
        if not (module == "test" or is_standin_module(module) or module.startswith("test.")):
            return self.guarded_from(module, node.names, protected)
        out: list[str] = []
        for alias in node.names:
            bound = alias.asname or alias.name
            full = f"{module}.{alias.name}"
            if module == "test" and alias.name != "support":
                if self.own_package(full) or self.is_part(full):
                    out.append("pass  # the package is this script")
                elif self.require_helper(full):
                    out.append(f"{bound} = _su_helper({full!r})")
                else:
                    out.append(f"{bound} = _su_missing({full!r})")
            elif is_standin_module(module):
                out.append(f"{bound} = _su_from({module!r}, {alias.name!r})")
            elif self.own_package(module) or self.is_part(module):
                if self.helper_path(full) is not None and not self.is_part(full):
                    out.append(f"{bound} = _su_helper({full!r})" if self.require_helper(full)
                               else f"{bound} = _su_missing({full!r})")
                elif bound != alias.name:
                    out.append(f"{bound} = {alias.name}  # defined earlier in this script")
                else:
                    out.append("pass  # defined earlier in this script")
            elif module.startswith("test.") and self.helper_path(full) is not None:
                out.append(f"{bound} = _su_helper({full!r})" if self.require_helper(full)
                           else f"{bound} = _su_missing({full!r})")
            elif module.startswith("test."):
                if self.require_helper(module):
                    out.append(f"{bound} = _su_helper_from({module!r}, {alias.name!r})")
                else:
                    out.append(f"{bound} = _su_missing({full!r})")
        return out

    def guarded_from(self, module: str, names: list[ast.alias], protected: bool) -> list[str]:
        """`from module import a, b`: as one statement (one import, as written),
        falling back to one import per name if it fails."""
        def clause(alias: ast.alias) -> str:
            return alias.name + (f" as {alias.asname}" if alias.asname else "")
        whole = f"from {module} import {', '.join(clause(a) for a in names)}"
        if module.split(".")[0] in CPYTHON_INTERNALS:
            whole = absent_import(module)
        if protected:
            return [whole]
        if len(names) == 1:
            alias = names[0]
            return self.guarded(whole, alias.asname or alias.name, f"{module}.{alias.name}")
        out = ["try:", f"    {whole}", "except ImportError:"]
        for alias in names:
            one = self.guarded(f"from {module} import {clause(alias)}", alias.asname or alias.name,
                               f"{module}.{alias.name}")
            out += ["    " + line for line in one]
        return out

    def transform(self, source: str, *, package: str | None, is_helper: bool = False,
                  is_init: bool = False) -> str:
        """Rewrite one file's imports and drop its `if __name__ == '__main__'` block."""
        tree = ast.parse(source)
        self.fresh_names |= fresh_module_names(tree)
        protected = protected_imports(tree)
        lines = source.splitlines(keepends=True)
        edits: list[tuple[int, int, list[str]]] = []  # (first line, last line, replacement)
        dropped: list[tuple[int, int]] = []           # lines whose imports are left alone

        for node in tree.body:
            if (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
                    and isinstance(node.test.left, ast.Name) and node.test.left.id == "__name__"
                    and node.test.lineno == node.test.end_lineno):
                # `if __name__ == "__main__":` becomes `if False:`; an `else:` still runs.
                line = lines[node.lineno - 1]
                header = line[:node.test.col_offset] + "False" + line[node.test.end_col_offset:]
                edits.append((node.lineno, node.lineno, [header.rstrip("\n")]))
                body_end = node.body[-1].end_lineno
                dropped.append((node.lineno, body_end))
            elif is_init and isinstance(node, ast.FunctionDef) and node.name == "load_tests":
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                edits.append((start, node.end_lineno, ["pass  # load_tests of the package: not used"]))
                dropped.append((start, node.end_lineno))

        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            if any(a <= node.lineno <= b for a, b in dropped):
                continue
            first, last = lines[node.lineno - 1], lines[node.end_lineno - 1]
            before, after = first[: node.col_offset], last[node.end_col_offset:]
            tail = after.strip()
            if before.strip() or (tail and not tail.startswith("#")):
                raise SyntaxError(f"line {node.lineno}: import statement shares its line; not supported")
            is_protected = id(node) in protected
            if isinstance(node, ast.Import):
                new = self.rewrite_import(node, is_protected)
            else:
                new = self.rewrite_from(node, package, is_protected, is_helper)
            edits.append((node.lineno, node.end_lineno, [before + line for line in new]))

        for first, last, new in sorted(edits, reverse=True):
            lines[first - 1:last] = [line + "\n" for line in new]
        return guard_statements("".join(lines))

    # -- the whole script -------------------------------------------------
    def build(self, exclude: set[str]) -> str:
        """The script: stand-in, configuration, helpers, test code, runner call.

        `exclude` names tests not to run (measured by an earlier run).
        """
        self.futures, self.helpers, self.helper_order = [], {}, []
        self.fresh_names, self.notes = set(), []
        parts: list[str] = []
        for index, path in enumerate(self.suite.files):
            package = self.suite.package
            code = self.transform(path.read_text(), package=package,
                                  is_init=package is not None and index == 0)
            shown = path.relative_to(self.test_dir) if path.is_relative_to(self.test_dir) else path
            parts.append(f"# ---- {shown}\n__file__ = {str(path)!r}\n{code}\n")
        fresh = sorted(n for n in self.fresh_names if re.fullmatch(r"[A-Za-z_][\w.]*", n)
                       and n.split(".")[0] not in CPYTHON_INTERNALS)
        preimports = "".join(
            f"try:\n    import {n} as _su_m\n    _su_IMPORTED[{n!r}] = _su_m\nexcept ImportError:\n    pass\n"
            for n in fresh)
        futures = sorted(set(self.futures))
        return "".join([
            "\n".join(futures) + ("\n" if futures else ""),
            f"# Generated by bench/stdlib_tests/run.py for {self.suite.name}; do not edit.\n",
            STANDIN.read_text(),
            "\n\n# ---- configuration\n",
            f"_su_TEST_DIR = {str(self.test_dir)!r}\n",
            f"_su_EXCLUDE.update({sorted(exclude)!r})\n",
            preimports,
            "\n# ---- helper modules from CPython's test directory\n",
            "".join(self.helpers[name] for name in self.helper_order),
            "\n",
            *parts,
            "\n# ---- run\n_su_main(globals())\n",
        ])


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

@dataclasses.dataclass
class Run:
    """What one run of a script printed."""

    returncode: int
    elapsed: float
    results: dict[str, tuple[str, str]]   # name -> (outcome, detail)
    aborted: str | None                   # a test that started but has no RESULT
    done: bool
    error_line: str                       # the most telling line of stderr
    notes: list[str]


def telling_line(stderr: str) -> str:
    """The line of stderr that says what went wrong (exception or limit line)."""
    lines = [l.strip() for l in stderr.splitlines() if l.strip()]
    for line in reversed(lines):
        if line.startswith("capy:") or re.match(r"^[\w.]+(Error|Exception|Exit|Interrupt|Exceeded)\b", line):
            return line[:300]
    return lines[-1][:300] if lines else ""


def parse_output(stdout: str) -> tuple[dict[str, tuple[str, str]], str | None, bool, list[str]]:
    """Results, the test that started without a result, whether DONE came, notes."""
    results: dict[str, tuple[str, str]] = {}
    started: str | None = None
    done = False
    notes: list[str] = []
    for raw in stdout.splitlines():
        match = PROTOCOL.match(raw)
        if not match:
            continue
        kind, rest = match.group(1), match.group(2) or ""
        if kind == "START":
            started = rest.strip()
        elif kind == "RESULT":
            parts = rest.split()
            if len(parts) == 2 and parts[1] in OUTCOMES:
                results[parts[0]] = (parts[1], "")
                if parts[0] == started:
                    started = None
        elif kind == "DETAIL":
            name, _, detail = rest.partition(" ")
            if name in results:
                results[name] = (results[name][0], detail)
        elif kind == "DONE":
            done = True
        elif kind in ("NOTE", "SLOW", "ABORT"):
            notes.append(f"{kind} {rest}")
    return results, started, done, notes


def run_script(cmd: list[str], script: Path, cwd: Path, timeout: float) -> Run:
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd + [str(script)], cwd=cwd, capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        returncode, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        returncode, stdout, stderr = -9, exc.stdout or b"", (exc.stderr or b"") + b"\nharness: timed out"
    elapsed = time.monotonic() - started
    out = stdout.decode("utf-8", "replace")
    err = stderr.decode("utf-8", "replace")
    results, aborted, done, notes = parse_output(out)
    return Run(returncode, elapsed, results, aborted, done, telling_line(err), notes)


@dataclasses.dataclass
class Measurement:
    """All runs of one suite under one interpreter, merged."""

    results: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)
    file_error: str = ""            # the script failed before running any test
    # (test, stderr line) per run that crashed (exit 4) or hit a limit; the test
    # is "" when the run ended between tests.
    crashes: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    limits: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    budget_exhausted: bool = False
    runs: int = 0
    elapsed: float = 0.0
    notes: list[str] = dataclasses.field(default_factory=list)


def measure(builder: ScriptBuilder, cmd: list[str], label: str, work: Path, budget: float,
            run_timeout: float) -> Measurement:
    """Run the suite's script, resuming after a test that ends the interpreter.

    A test running when a limit hits or the sandbox crashes is re-run first in
    a fresh sandbox; if it ends that one too it is recorded as an error (limit)
    or a crash, and the rest of the tests go on in the next run.
    """
    m = Measurement()
    cwd = work / f"cwd-{label}"
    cwd.mkdir(parents=True, exist_ok=True)
    retried: set[str] = set()
    while True:
        script = work / f"{builder.suite.name}.{label}.{m.runs}.py"
        script.write_text(builder.build(set(m.results)))
        run = run_script(cmd, script, cwd, min(run_timeout, max(budget - m.elapsed, 10.0)))
        m.runs += 1
        m.elapsed += run.elapsed
        m.results.update(run.results)
        m.notes += run.notes
        if run.done and run.returncode == 0:
            break
        culprit = run.aborted
        what = f"exit {run.returncode}: {run.error_line}"
        if culprit is None:
            if not m.results:
                m.file_error = what
            elif run.done:
                m.notes.append(f"after the tests, {what}")
            else:
                m.notes.append(f"stopped between tests, {what}")
            if run.returncode == 4:
                m.crashes.append(("", run.error_line))
            break
        if run.returncode == 4:
            m.crashes.append((culprit, run.error_line))
        elif run.returncode == 3 or run.returncode == -9:
            m.limits.append((culprit, run.error_line))
        if culprit in retried or run.returncode not in (3, 4, -9):
            # It ended a fresh run too (or escaped the runner): it is the cause.
            m.results[culprit] = ("error", f"ended the run: {what}")
        retried.add(culprit)
        if m.elapsed >= budget:
            m.budget_exhausted = True
            break
    return m


@dataclasses.dataclass
class Report:
    suite: Suite
    cpython: Measurement
    capy: Measurement
    notes: list[str]


def measure_suite(suite: Suite, args: argparse.Namespace) -> Report:
    work = args.work / suite.name
    work.mkdir(parents=True, exist_ok=True)
    builder = ScriptBuilder(suite, args.test_dir)
    try:
        builder.build(set())
    except SyntaxError as exc:
        empty = Measurement(file_error=f"harness: cannot transform: {exc}")
        return Report(suite, empty, empty, [])
    cpython = measure(builder, [args.python], "cpython", work, CPYTHON_TIMEOUT, CPYTHON_TIMEOUT)
    capy_cmd = [args.capy, "run", *CAPY_LIMITS]
    capy = measure(builder, capy_cmd, "capy", work, args.budget, 300.0)
    return Report(suite, cpython, capy, builder.notes)


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------

def summarize(report: Report) -> dict[str, object]:
    cpy, capy = report.cpython.results, report.capy.results
    base = sorted(n for n, (o, _) in cpy.items() if o == "pass")
    counts = collections.Counter(capy[n][0] if n in capy else "not run" for n in base)
    extra = sorted(n for n, (o, _) in capy.items() if o == "pass" and cpy.get(n, ("",))[0] != "pass")
    return {
        "test": report.suite.name,
        "module": report.suite.module,
        "cpython_methods": len(cpy),
        "cpython_pass": len(base),
        "capy_pass": counts["pass"],
        "capy_fail": counts["fail"],
        "capy_error": counts["error"],
        "capy_skip": counts["skip"],
        "capy_not_run": counts["not run"],
        "capy_only_pass": len(extra),
    }


def cause_key(detail: str) -> str:
    """Group similar failure messages: numbers, addresses and long reprs folded."""
    text = re.sub(r"0x[0-9a-fA-F]+", "0x…", detail)
    text = re.sub(r"\d+", "N", text)
    if text.startswith("AssertionError"):
        return "AssertionError (assertion failed)"
    return text[:110]


def print_table(reports: list[Report], causes: int) -> None:
    rows = [summarize(r) for r in reports]
    header = f"{'test':24} {'cpy-pass':>8} {'capy-pass':>9} {'%':>6} {'fail':>5} {'error':>5} {'skip':>5} {'notrun':>6}  notes"
    print(header)
    print("-" * len(header))
    totals = collections.Counter()
    for row, report in zip(rows, reports):
        for key in ("cpython_pass", "capy_pass", "capy_fail", "capy_error", "capy_skip", "capy_not_run"):
            totals[key] += row[key]
        notes = []
        if report.cpython.file_error:
            notes.append(f"CPython whole-file failure: {report.cpython.file_error}")
        if report.capy.file_error:
            notes.append(f"capy whole-file failure: {report.capy.file_error}")
        for test, line in dict.fromkeys(report.capy.crashes):
            final = report.capy.results.get(test, ("not run", ""))[0]
            again = " (passed when re-run first)" if final == "pass" else ""
            notes.append(f"!!! CAPY CRASH (exit 4) in {test or 'no test'}: {line}{again}")
        if report.capy.limits:
            notes.append(f"{len({t for t, _ in report.capy.limits})} test(s) hit a limit")
        if report.capy.budget_exhausted:
            notes.append(f"budget exhausted after {report.capy.elapsed:.0f}s")
        for label, m in (("CPython", report.cpython), ("capy", report.capy)):
            errors = [n[len("NOTE load error: "):] for n in m.notes if n.startswith("NOTE load error: ")]
            if errors:
                notes.append(f"{label}: {len(errors)} top-level statement(s) failed, first: {errors[0][:150]}")
            if any(n.startswith("NOTE load_tests failed") for n in m.notes):
                notes.append(f"{label}: load_tests() failed, ran the standard tests")
        if row["capy_only_pass"]:
            notes.append(f"{row['capy_only_pass']} pass under capy only")
        pct = f"{100 * row['capy_pass'] / row['cpython_pass']:.1f}" if row["cpython_pass"] else "-"
        print(f"{row['test']:24} {row['cpython_pass']:8} {row['capy_pass']:9} {pct:>6} {row['capy_fail']:5} "
              f"{row['capy_error']:5} {row['capy_skip']:5} {row['capy_not_run']:6}  {'; '.join(notes)}")
    print("-" * len(header))
    pct = f"{100 * totals['capy_pass'] / totals['cpython_pass']:.1f}" if totals["cpython_pass"] else "-"
    print(f"{'TOTAL':24} {totals['cpython_pass']:8} {totals['capy_pass']:9} {pct:>6} {totals['capy_fail']:5} "
          f"{totals['capy_error']:5} {totals['capy_skip']:5} {totals['capy_not_run']:6}")
    crashes = [(r.suite.name, t, line) for r in reports for t, line in dict.fromkeys(r.capy.crashes)]
    if crashes:
        print("\n!!! SANDBOX CRASHES (exit 4):")
        for name, test, line in crashes:
            print(f"  {name} {test or '(between tests)'}: {line}")
    limited = [(r.suite.name, t, line) for r in reports for t, line in dict.fromkeys(r.capy.limits)]
    if limited:
        print("\nLimits hit under capy (the test was re-run first in a fresh sandbox):")
        for name, test, line in limited:
            outcome = next(r for r in reports if r.suite.name == name).capy.results.get(test, ("not run",))[0]
            print(f"  {name} {test}: {line} -> {outcome}")
    if causes:
        groups: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        for r in reports:
            base = {n for n, (o, _) in r.cpython.results.items() if o == "pass"}
            for name in base:
                outcome, detail = r.capy.results.get(name, ("not run", ""))
                if outcome in ("fail", "error", "skip"):
                    groups[f"{outcome}: {cause_key(detail)}"][r.suite.name] += 1
        print(f"\nTop {causes} causes among CPython-passing methods not passing under capy:")
        ranked = sorted(groups.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:causes]
        for key, per_test in ranked:
            where = ", ".join(f"{t} {n}" for t, n in per_test.most_common(4))
            print(f"  {sum(per_test.values()):5}  {key}  [{where}]")


# ---------------------------------------------------------------------------
# Checking the stand-in against CPython's own runner
# ---------------------------------------------------------------------------

REGRTEST_LINE = re.compile(r"^(\w+) \((\S+)\)(.*)$")
REGRTEST_OUTCOMES = {"ok": "pass", "FAIL": "fail", "ERROR": "error", "expected failure": "skip",
                     "unexpected success": "fail"}


def regrtest_results(python: str, name: str, cwd: Path) -> dict[str, str]:
    """Outcome per `path.Class.method` under `python -m test -v NAME` (regrtest)."""
    proc = subprocess.run([python, "-m", "test", "-v", name], cwd=cwd, capture_output=True,
                          text=True, timeout=CPYTHON_TIMEOUT)
    results: dict[str, str] = {}
    pending = None
    for line in (proc.stdout + proc.stderr).splitlines():
        match = REGRTEST_LINE.match(line)
        if match:
            pending, rest = match.group(2), match.group(3)
            if "..." not in rest:
                continue  # the test's docstring follows on the next line
        elif pending is None or "..." not in line:
            continue
        else:
            rest = line
        verdict = rest.rsplit("...", 1)[1].strip()
        outcome = REGRTEST_OUTCOMES.get(verdict, "skip" if verdict.startswith("skipped") else "?")
        results[pending] = outcome
        pending = None
    return results


def check_cpython(suite: Suite, args: argparse.Namespace) -> str:
    """Compare the stand-in under CPython with regrtest under CPython, for one suite."""
    work = args.work / suite.name
    work.mkdir(parents=True, exist_ok=True)
    builder = ScriptBuilder(suite, args.test_dir)
    ours = measure(builder, [args.python], "cpython", work, CPYTHON_TIMEOUT, CPYTHON_TIMEOUT).results
    cwd = work / "cwd-regrtest"
    cwd.mkdir(exist_ok=True)
    real = regrtest_results(args.python, suite.name, cwd)
    # regrtest names a test by its dotted path; ours by Class.method: match on the
    # longest suffix.  test_datetime runs datetimetester twice (_Pure, _Fast);
    # the stand-in runs it once, against the module as imported (the C one).
    real_pass: set[str] = set()
    for path, outcome in real.items():
        parts = path.replace("_Fast.", ".").split(".")
        if outcome != "pass" or any(p.endswith("_Pure") for p in parts):
            continue
        for i in range(len(parts) - 1):
            if ".".join(parts[i:]) in ours:
                real_pass.add(".".join(parts[i:]))
                break
    ours_pass = {n for n, (o, _) in ours.items() if o == "pass"}
    lost = sorted(real_pass - ours_pass)
    lines = [f"{suite.name}: regrtest passes {len(real_pass)} (matched by name), "
             f"the stand-in {len(ours_pass)}; passing under regrtest only: {len(lost)}, "
             f"under the stand-in only: {len(ours_pass - real_pass)}"]
    lines += [f"    {n}: {ours.get(n, ('not run', ''))[0]} {ours.get(n, ('', ''))[1][:120]}" for n in lost]
    return "\n".join(lines)


def write_json(reports: list[Report], path: Path) -> None:
    data = []
    for r in reports:
        entry = summarize(r)
        entry.update({
            "cpython": dataclasses.asdict(r.cpython),
            "capy": dataclasses.asdict(r.capy),
            "build_notes": r.notes,
        })
        data.append(entry)
    path.write_text(json.dumps(data, indent=1, sort_keys=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--capy", default=os.environ.get("CAPY", DEFAULT_CAPY), help="the capy binary")
    parser.add_argument("--python", default=DEFAULT_PYTHON, help="the CPython 3.11 to compare with")
    parser.add_argument("--modules", help="comma-separated modules (or test names) to run; default all")
    parser.add_argument("--jobs", type=int, default=2, help="suites run at once (at most 2)")
    parser.add_argument("--budget", type=float, default=300.0,
                        help="seconds of capy wall time per suite, over all its runs")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="where scripts and outputs go")
    parser.add_argument("--json", type=Path, help="also write every result to this JSON file")
    parser.add_argument("--causes", type=int, default=25, help="how many grouped failure causes to list")
    parser.add_argument("--build-only", action="store_true", help="only write the scripts")
    parser.add_argument("--check-cpython", action="store_true",
                        help="no capy: compare the stand-in with regrtest, both under CPython")
    args = parser.parse_args()
    args.jobs = max(1, min(args.jobs, 2))
    args.test_dir = Path(subprocess.check_output(
        [args.python, "-c", "import test, os; print(os.path.dirname(test.__file__))"], text=True).strip())
    if not (args.build_only or args.check_cpython) and not Path(args.capy).exists():
        sys.exit(f"no capy binary at {args.capy}")
    modules = FALLBACK_MODULES if args.build_only or args.check_cpython else capy_modules(args.capy)
    suites = find_suites(args.test_dir, modules, args.modules.split(",") if args.modules else None)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.build_only:
        for suite in suites:
            builder = ScriptBuilder(suite, args.test_dir)
            path = args.work / f"{suite.name}.py"
            path.write_text(builder.build(set()))
            print(path, *builder.notes, sep="\n  ")
        return
    if args.check_cpython:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for text in pool.map(lambda s: check_cpython(s, args), suites):
                print(text, flush=True)
        return
    reports: list[Report] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(measure_suite, s, args): s for s in suites}
        for future in concurrent.futures.as_completed(futures):
            report = future.result()
            row = summarize(report)
            print(f"[{report.suite.name}] cpython {row['cpython_pass']} pass, capy {row['capy_pass']} "
                  f"({report.capy.elapsed:.0f}s, {report.capy.runs} run(s))", file=sys.stderr, flush=True)
            reports.append(report)
    reports.sort(key=lambda r: r.suite.name)
    print_table(reports, args.causes)
    if args.json:
        write_json(reports, args.json)


if __name__ == "__main__":
    main()
