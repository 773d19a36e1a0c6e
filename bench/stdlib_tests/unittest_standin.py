"""A small stand-in for `unittest` and `test.support`, inlined into each test script.

`run.py` pastes this file, unchanged, at the top of every generated script, so
the script can run CPython's own test files in a sandbox that cannot import
`unittest`, `test.support`, `warnings` or anything from disk.  The very same
script also runs under CPython, so both interpreters are measured with an
identical harness.

Every global defined here starts with `_su_` (or is a namespace reached only
through the rewritten imports), so it does not collide with a test file's
names.  The generated script binds the stand-ins through the rewritten import
statements (`unittest = _su_module('unittest')`, ...) and ends with
`_su_main(globals())`, which runs every test method on its own (in unittest's
order, with its fixtures) and prints, each on a line of its own:

    START <Class>.<method>                 just before the test runs
    RESULT <Class>.<method> pass|fail|error|skip
    DETAIL <Class>.<method> <ExceptionType>: <first line>    (unless it passed)
    ABORT <Class>.<method> <exception>     a limit or an interrupt ended the run
    NOTE <text>                            e.g. a top-level statement that failed
    SLOW <Class>.<method> <seconds>s       a test that took more than 5 s
    DONE <count>                           the end: every planned test ran

Results are printed as each test finishes, so a run that a limit ends keeps
what it had measured; run.py re-runs the rest.  An expected failure that
fails is reported as `skip`, an unexpected success as `fail`.

Only the standard-library modules that capy grants are imported
unconditionally; optional ones (`warnings`, `gc`, `locale`, `os`) are used
when present, which is the case under CPython only.
"""

# `sys` comes first: capy's sys.modules lacks the modules a script imported
# before its first `import sys`, and some tests look modules up there.
import sys as _su_sys
import collections as _su_collections
import contextlib as _su_contextlib
import difflib as _su_difflib
import functools as _su_functools
import io as _su_io
import pprint as _su_pprint
import re as _su_re
import time as _su_time
import types as _su_types

try:
    import warnings as _su_warnings
except ImportError:
    _su_warnings = None
try:
    import gc as _su_gc
except ImportError:
    _su_gc = None
try:
    import os as _su_os
except ImportError:
    _su_os = None

# Where the real test.support helpers can be imported (CPython), the ones that
# decide *which* code is tested are used as they are: import_fresh_module
# (C accelerator vs pure Python) and script_helper (a child interpreter).
try:
    from test import support as _su_real_support
    from test.support import import_helper as _su_real_import_helper
    from test.support import script_helper as _su_real_script_helper
except ImportError:
    _su_real_support = _su_real_import_helper = _su_real_script_helper = None

# CPython's C-API test modules count as absent everywhere (run.py rewrites
# their imports the same way): what needs them tests CPython's C API.
_su_CPYTHON_INTERNALS = {"_testcapi", "_testinternalcapi", "_testbuffer", "_testmultiphase",
                         "_testimportmultiple", "_testsinglephase", "_testclinic", "_xxsubinterpreters"}

# Filled in by the generated script (see run.py): tests not to run (already
# measured by an earlier run of the same script), and the modules that the
# test file names in import_module()/import_fresh_module() calls.
_su_EXCLUDE: "set[str]" = set()
_su_IMPORTED: "dict[str, object]" = {}
_su_HELPERS: "dict[str, object]" = {}
_su_HELPER_CACHE: "dict[str, object]" = {}

# True while a test (or its fixtures) runs: a placeholder for something that
# could not be imported is lenient at import time and raises at use in a test.
_su_state = {"in_test": False}


# ---------------------------------------------------------------------------
# Exceptions and placeholders
# ---------------------------------------------------------------------------

class _su_SkipTest(Exception):
    """Raise to skip a test (unittest.SkipTest)."""


class _su_Unavailable(_su_SkipTest):
    """A test used a module or helper that could not be imported."""


class _su_Unverifiable(_su_SkipTest):
    """A test's assertion cannot be checked here (e.g. assertWarns without warnings)."""


class _su_MissingBase:
    """Base class used when a class statement names a missing base."""

    def __init_subclass__(cls, **kwargs):
        pass

    def __init__(self, *args, **kwargs):
        raise _su_Unavailable("a base class could not be imported")


class _su_Missing:
    """Stands for a module or name whose import failed.

    At import time (module level, load_tests) every operation yields another
    placeholder, so the test file still loads; inside a running test any use
    raises `_su_Unavailable`, a SkipTest, so only the tests that need the
    missing thing are affected (reported as `skip` with the name).
    """

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_su_name", name)

    def _su_use(self, what: str) -> "_su_Missing":
        name = object.__getattribute__(self, "_su_name")
        if _su_state["in_test"]:
            raise _su_Unavailable(f"{name} is not available (used: {what})")
        return _su_Missing(name + what if what.startswith(".") else name)

    def __getattribute__(self, attr: str) -> object:
        if attr.startswith("_su_") or attr in ("__class__", "__mro_entries__"):
            return object.__getattribute__(self, attr)
        if attr.startswith("__") and attr.endswith("__"):
            # Explicit dunder lookups (x.__new__, functools.wraps(x)): absent
            # at import time, a skip in a test.
            if _su_state["in_test"]:
                name = object.__getattribute__(self, "_su_name")
                raise _su_Unavailable(f"{name} is not available (used: .{attr})")
            raise AttributeError(attr)
        return self._su_use("." + attr)

    def __setattr__(self, attr: str, value: object) -> None:
        self._su_use("." + attr + " =")

    def __delattr__(self, attr: str) -> None:
        self._su_use("del ." + attr)

    def __repr__(self) -> str:
        return f"<unavailable {object.__getattribute__(self, '_su_name')}>"

    def __mro_entries__(self, bases: tuple) -> tuple:
        return (_su_MissingBase,)

    def __call__(self, *args: object, **kwargs: object) -> "_su_Missing":
        return self._su_use("()")

    def __getitem__(self, key: object) -> "_su_Missing":
        return self._su_use("[]")

    def __setitem__(self, key: object, value: object) -> None:
        self._su_use("[] =")

    # At import time a placeholder acts as a one-element collection and as
    # the number 1, so that module-level tables built from a missing module
    # (`for proto in range(pickle.HIGHEST_PROTOCOL + 1)`) hold one entry
    # whose use in a test skips it, rather than none (a vacuous pass).
    def __iter__(self):
        return iter((self._su_use("iter()"),))

    def __len__(self) -> int:
        self._su_use("len()")
        return 1

    def __index__(self) -> int:
        self._su_use("int")
        return 1

    __int__ = __index__

    def __contains__(self, item: object) -> bool:
        self._su_use("in")
        return False

    def __bool__(self) -> bool:
        self._su_use("bool()")
        return False

    def __eq__(self, other: object) -> bool:
        self._su_use("==")
        return self is other

    def __ne__(self, other: object) -> bool:
        self._su_use("!=")
        return self is not other

    def __hash__(self) -> int:
        self._su_use("hash()")
        return id(self)

    def __enter__(self) -> "_su_Missing":
        return self._su_use("with")

    def __exit__(self, *exc: object) -> bool:
        return False

    def __add__(self, other: object) -> "_su_Missing":
        return self._su_use("+")

    __radd__ = __add__
    __sub__ = __rsub__ = __mul__ = __rmul__ = __or__ = __ror__ = __add__
    __truediv__ = __rtruediv__ = __mod__ = __rmod__ = __add__


def _su_missing(name: str) -> _su_Missing:
    """The placeholder bound by a rewritten import that failed."""
    return _su_Missing(name)


class _su_Namespace(_su_types.ModuleType):
    """A stand-in module: unknown attributes are placeholders, not errors."""

    def __getattr__(self, attr: str) -> object:
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return _su_Missing(f"{self.__name__}.{attr}")


def _su_namespace(name: str, values: dict) -> _su_Namespace:
    """A stand-in module called `name` holding `values`."""
    module = _su_Namespace(name)
    module.__dict__.update(values)
    return module


# ---------------------------------------------------------------------------
# Skipping decorators
# ---------------------------------------------------------------------------

def _su_id(obj):
    return obj


def _su_skip(reason):
    """Unconditionally skip a test (also usable bare, as @skip)."""
    def decorator(test_item):
        if not isinstance(test_item, type):
            @_su_functools.wraps(test_item)
            def skip_wrapper(*args, **kwargs):
                raise _su_SkipTest(reason)
            test_item = skip_wrapper
        test_item.__unittest_skip__ = True
        test_item.__unittest_skip_why__ = reason
        return test_item
    if isinstance(reason, _su_types.FunctionType):
        test_item, reason = reason, ""
        return decorator(test_item)
    return decorator


def _su_skipIf(condition, reason):
    """Skip a test if the condition is true."""
    return _su_skip(reason) if condition else _su_id


def _su_skipUnless(condition, reason):
    """Skip a test unless the condition is true."""
    return _su_skip(reason) if not condition else _su_id


def _su_expectedFailure(test_item):
    """Mark a test as expected to fail (reported as `skip` when it does)."""
    test_item.__unittest_expecting_failure__ = True
    return test_item


# ---------------------------------------------------------------------------
# Assertion context managers
# ---------------------------------------------------------------------------

class _su_AssertRaisesContext:
    """assertRaises / assertRaisesRegex as a context manager."""

    def __init__(self, expected, test_case, expected_regex=None, msg=None):
        self.expected = expected
        self.test_case = test_case
        if expected_regex is not None:
            expected_regex = _su_re.compile(expected_regex)
        self.expected_regex = expected_regex
        self.msg = msg
        self.exception = None

    def _check_expected(self, name):
        expected = self.expected if isinstance(self.expected, tuple) else (self.expected,)
        for e in expected:
            if not (isinstance(e, type) and issubclass(e, BaseException)):
                raise TypeError(f"{name}() arg 1 must be an exception type or tuple of exception types")

    def handle(self, name, args, kwargs):
        self._check_expected(name)
        if not args:
            self.msg = kwargs.pop("msg", None)
            if kwargs:
                raise TypeError(f"{next(iter(kwargs))!r} is an invalid keyword argument for this function")
            return self
        callable_obj, *args = args
        with self:
            callable_obj(*args, **kwargs)
        return None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, tb):
        if exc_type is None:
            try:
                exc_name = self.expected.__name__
            except AttributeError:
                exc_name = str(self.expected)
            self.test_case.fail(self.test_case._formatMessage(self.msg, f"{exc_name} not raised"))
        if not issubclass(exc_type, self.expected):
            return False
        self.exception = exc_value
        if self.expected_regex is not None and not self.expected_regex.search(str(exc_value)):
            self.test_case.fail(self.test_case._formatMessage(
                self.msg, f'"{self.expected_regex.pattern}" does not match "{exc_value}"'))
        return True


class _su_AssertWarnsContext:
    """assertWarns / assertWarnsRegex; needs `warnings`, else the test is unverifiable."""

    def __init__(self, expected, test_case, expected_regex=None, msg=None):
        self.expected = expected
        self.test_case = test_case
        if expected_regex is not None:
            expected_regex = _su_re.compile(expected_regex)
        self.expected_regex = expected_regex
        self.msg = msg
        self.warning = self.filename = self.lineno = None
        self.warnings = []

    def handle(self, name, args, kwargs):
        if not args:
            self.msg = kwargs.pop("msg", None)
            return self
        callable_obj, *args = args
        with self:
            callable_obj(*args, **kwargs)
        return None

    def __enter__(self):
        if _su_warnings is None:
            return self
        for module in list(_su_sys.modules.values()):
            if getattr(module, "__warningregistry__", None):
                module.__warningregistry__ = {}
        self._manager = _su_warnings.catch_warnings(record=True)
        self.warnings = self._manager.__enter__()
        _su_warnings.simplefilter("always", self.expected)
        return self

    def __exit__(self, exc_type, exc_value, tb):
        if _su_warnings is None:
            if exc_type is not None:
                return False
            raise _su_Unverifiable("assertWarns needs the warnings module")
        self._manager.__exit__(exc_type, exc_value, tb)
        if exc_type is not None:
            return False
        first_matching = None
        for m in self.warnings:
            w = m.message
            if not isinstance(w, self.expected):
                continue
            if first_matching is None:
                first_matching = w
            if self.expected_regex is not None and not self.expected_regex.search(str(w)):
                continue
            self.warning, self.filename, self.lineno = w, m.filename, m.lineno
            return None
        name = getattr(self.expected, "__name__", str(self.expected))
        if first_matching is not None:
            self.test_case.fail(self.test_case._formatMessage(
                self.msg, f'"{self.expected_regex.pattern}" does not match "{first_matching}"'))
        self.test_case.fail(self.test_case._formatMessage(self.msg, f"{name} not triggered"))


# ---------------------------------------------------------------------------
# TestCase
# ---------------------------------------------------------------------------

class _su_Outcome:
    """What happened while one test ran: failures, errors and skips."""

    def __init__(self):
        self.failures: "list[BaseException]" = []
        self.errors: "list[tuple[str, BaseException]]" = []
        self.skipped: "list[str]" = []
        self.expected_failure: "BaseException | None" = None


_su_subtest_sentinel = object()


class _su_TestCase:
    """The subset of unittest.TestCase that CPython's test files use."""

    failureException = AssertionError
    longMessage = True
    maxDiff = 80 * 8
    _classSetupFailed = False
    _class_cleanups: list = []

    def __init__(self, methodName="runTest"):
        self._testMethodName = methodName
        self._outcome = None
        self._cleanups = []
        self._subtest_params = {}
        self._type_equality_funcs = {}
        try:
            method = getattr(self, methodName)
        except AttributeError:
            if methodName != "runTest":
                raise ValueError(f"no such test method in {self.__class__}: {methodName}")
            self._testMethodDoc = None
        else:
            self._testMethodDoc = getattr(method, "__doc__", None)

    # -- identity --------------------------------------------------------
    def id(self):
        return f"{self.__class__.__module__}.{self.__class__.__qualname__}.{self._testMethodName}"

    def __str__(self):
        return f"{self._testMethodName} ({self.__class__.__module__}.{self.__class__.__qualname__})"

    def __repr__(self):
        return f"<{self.__class__.__module__}.{self.__class__.__qualname__} testMethod={self._testMethodName}>"

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        return self._testMethodName == other._testMethodName

    def __hash__(self):
        return hash((type(self), self._testMethodName))

    def shortDescription(self):
        doc = self._testMethodDoc
        return doc.strip().split("\n")[0].strip() if doc else None

    def countTestCases(self):
        return 1

    # -- fixtures ----------------------------------------------------------
    def setUp(self):
        pass

    def tearDown(self):
        pass

    @classmethod
    def setUpClass(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        pass

    def addCleanup(self, function, /, *args, **kwargs):
        self._cleanups.append((function, args, kwargs))

    def enterContext(self, cm):
        result = type(cm).__enter__(cm)
        self.addCleanup(type(cm).__exit__, cm, None, None, None)
        return result

    def doCleanups(self):
        while self._cleanups:
            function, args, kwargs = self._cleanups.pop()
            try:
                function(*args, **kwargs)
            except Exception as exc:
                if self._outcome is not None:
                    self._outcome.errors.append(("cleanup", exc))
                else:
                    raise
        return True

    @classmethod
    def addClassCleanup(cls, function, /, *args, **kwargs):
        if "_class_cleanups" not in cls.__dict__:
            cls._class_cleanups = []
        cls._class_cleanups.append((function, args, kwargs))

    @classmethod
    def enterClassContext(cls, cm):
        result = type(cm).__enter__(cm)
        cls.addClassCleanup(type(cm).__exit__, cm, None, None, None)
        return result

    @classmethod
    def doClassCleanups(cls):
        errors = []
        cleanups = cls.__dict__.get("_class_cleanups", [])
        while cleanups:
            function, args, kwargs = cleanups.pop()
            try:
                function(*args, **kwargs)
            except Exception as exc:
                errors.append(exc)
        return errors

    def skipTest(self, reason):
        raise _su_SkipTest(reason)

    @_su_contextlib.contextmanager
    def subTest(self, msg=_su_subtest_sentinel, **params):
        """Failures inside are recorded and the test goes on, as in unittest."""
        outcome = self._outcome
        if outcome is None:
            yield
            return
        saved = self._subtest_params
        self._subtest_params = {**saved, **params}
        try:
            yield
        except _su_SkipTest as exc:
            outcome.skipped.append(str(exc))
        except self.failureException as exc:
            if getattr(self, "_su_expecting_failure", False):
                outcome.expected_failure = exc
            else:
                outcome.failures.append(exc)
        except Exception as exc:
            if getattr(self, "_su_expecting_failure", False):
                outcome.expected_failure = exc
            else:
                outcome.errors.append(("subTest", exc))
        finally:
            self._subtest_params = saved

    # -- messages --------------------------------------------------------
    def _formatMessage(self, msg, standardMsg):
        if not self.longMessage:
            return msg or standardMsg
        if msg is None:
            return standardMsg
        try:
            return f"{standardMsg} : {msg}"
        except UnicodeDecodeError:
            return f"{standardMsg!r} : {msg!r}"

    def _truncateMessage(self, message, diff):
        max_diff = self.maxDiff
        if max_diff is None or len(diff) <= max_diff:
            return message + diff
        return message + "\nDiff is %s characters long. Set self.maxDiff to None to see it." % len(diff)

    def fail(self, msg=None):
        raise self.failureException(msg)

    # -- equality --------------------------------------------------------
    def addTypeEqualityFunc(self, typeobj, function):
        self._type_equality_funcs[typeobj] = function

    def _getAssertEqualityFunc(self, first, second):
        if type(first) == type(second):
            func = self._type_equality_funcs.get(type(first))
            if func is not None:
                if isinstance(func, str):
                    func = getattr(self, func)
                return func
            name = _su_EQUALITY_FUNCS.get(type(first))
            if name is not None:
                return getattr(self, name)
        return self._baseAssertEqual

    def _baseAssertEqual(self, first, second, msg=None):
        if not first == second:
            standardMsg = "%s != %s" % _su_common_shorten_repr(first, second)
            raise self.failureException(self._formatMessage(msg, standardMsg))

    def assertEqual(self, first, second, msg=None):
        self._getAssertEqualityFunc(first, second)(first, second, msg=msg)

    def assertNotEqual(self, first, second, msg=None):
        if not first != second:
            raise self.failureException(self._formatMessage(msg, f"{_su_r(first)} == {_su_r(second)}"))

    def assertAlmostEqual(self, first, second, places=None, msg=None, delta=None):
        if first == second:
            return
        if delta is not None and places is not None:
            raise TypeError("specify delta or places not both")
        diff = abs(first - second)
        if delta is not None:
            if diff <= delta:
                return
            standardMsg = (f"{_su_r(first)} != {_su_r(second)} within {_su_r(delta)} delta "
                           f"({_su_r(diff)} difference)")
        else:
            if places is None:
                places = 7
            if round(diff, places) == 0:
                return
            standardMsg = f"{_su_r(first)} != {_su_r(second)} within {places!r} places ({_su_r(diff)} difference)"
        raise self.failureException(self._formatMessage(msg, standardMsg))

    def assertNotAlmostEqual(self, first, second, places=None, msg=None, delta=None):
        if delta is not None and places is not None:
            raise TypeError("specify delta or places not both")
        diff = abs(first - second)
        if delta is not None:
            if not (first == second) and diff > delta:
                return
            standardMsg = (f"{_su_r(first)} == {_su_r(second)} within {_su_r(delta)} delta "
                           f"({_su_r(diff)} difference)")
        else:
            if places is None:
                places = 7
            if not (first == second) and round(diff, places) != 0:
                return
            standardMsg = f"{_su_r(first)} == {_su_r(second)} within {places!r} places"
        raise self.failureException(self._formatMessage(msg, standardMsg))

    def assertSequenceEqual(self, seq1, seq2, msg=None, seq_type=None):
        if seq_type is not None:
            seq_type_name = seq_type.__name__
            if not isinstance(seq1, seq_type):
                raise self.failureException(f"First sequence is not a {seq_type_name}: {_su_r(seq1)}")
            if not isinstance(seq2, seq_type):
                raise self.failureException(f"Second sequence is not a {seq_type_name}: {_su_r(seq2)}")
        else:
            seq_type_name = "sequence"
        differing = None
        try:
            len1 = len(seq1)
        except (TypeError, NotImplementedError):
            differing = f"First {seq_type_name} has no length.    Non-sequence?"
        if differing is None:
            try:
                len2 = len(seq2)
            except (TypeError, NotImplementedError):
                differing = f"Second {seq_type_name} has no length.    Non-sequence?"
        if differing is None:
            if seq1 == seq2:
                return
            shortened = _su_common_shorten_repr(seq1, seq2)
            differing = "%ss differ: %s != %s\n" % ((seq_type_name.capitalize(),) + shortened)
            for i in range(min(len1, len2)):
                try:
                    item1, item2 = seq1[i], seq2[i]
                except (TypeError, IndexError, NotImplementedError):
                    differing += f"\nUnable to index element {i} of a {seq_type_name}\n"
                    break
                if item1 != item2:
                    differing += f"\nFirst differing element {i}:\n{_su_r(item1)}\n{_su_r(item2)}\n"
                    break
            else:
                if len1 == len2 and seq_type is None and type(seq1) != type(seq2):
                    return
            if len1 != len2:
                differing += f"\nFirst {seq_type_name} contains {abs(len1 - len2)} additional elements.\n"
        diff = _su_pformat_diff(seq1, seq2)
        raise self.failureException(self._formatMessage(msg, self._truncateMessage(differing, diff)))

    def assertListEqual(self, list1, list2, msg=None):
        self.assertSequenceEqual(list1, list2, msg, seq_type=list)

    def assertTupleEqual(self, tuple1, tuple2, msg=None):
        self.assertSequenceEqual(tuple1, tuple2, msg, seq_type=tuple)

    def assertSetEqual(self, set1, set2, msg=None):
        try:
            difference1 = set1.difference(set2)
        except TypeError as e:
            self.fail(f"invalid type when attempting set difference: {e}")
        except AttributeError as e:
            self.fail(f"first argument does not support set difference: {e}")
        try:
            difference2 = set2.difference(set1)
        except TypeError as e:
            self.fail(f"invalid type when attempting set difference: {e}")
        except AttributeError as e:
            self.fail(f"second argument does not support set difference: {e}")
        if not (difference1 or difference2):
            return
        lines = []
        if difference1:
            lines.append("Items in the first set but not the second:")
            lines.extend(repr(item) for item in difference1)
        if difference2:
            lines.append("Items in the second set but not the first:")
            lines.extend(repr(item) for item in difference2)
        self.fail(self._formatMessage(msg, "\n".join(lines)))

    def assertDictEqual(self, d1, d2, msg=None):
        self.assertIsInstance(d1, dict, "First argument is not a dictionary")
        self.assertIsInstance(d2, dict, "Second argument is not a dictionary")
        if d1 != d2:
            standardMsg = "%s != %s" % _su_common_shorten_repr(d1, d2)
            diff = _su_pformat_diff(d1, d2)
            self.fail(self._formatMessage(msg, self._truncateMessage(standardMsg, diff)))

    def assertDictContainsSubset(self, subset, dictionary, msg=None):
        missing, mismatched = [], []
        for key, value in subset.items():
            if key not in dictionary:
                missing.append(key)
            elif value != dictionary[key]:
                mismatched.append(f"{_su_r(key)}, expected: {_su_r(value)}, actual: {_su_r(dictionary[key])}")
        if missing or mismatched:
            self.fail(self._formatMessage(msg, f"Missing: {missing!r}; Mismatched values: {mismatched!r}"))

    def assertCountEqual(self, first, second, msg=None):
        first_seq, second_seq = list(first), list(second)
        try:
            equal = _su_collections.Counter(first_seq) == _su_collections.Counter(second_seq)
        except TypeError:
            equal = _su_count_equal_unhashable(first_seq, second_seq)
        if not equal:
            standardMsg = f"Element counts were not equal: {_su_r(first_seq)} != {_su_r(second_seq)}"
            self.fail(self._formatMessage(msg, standardMsg))

    def assertMultiLineEqual(self, first, second, msg=None):
        self.assertIsInstance(first, str, "First argument is not a string")
        self.assertIsInstance(second, str, "Second argument is not a string")
        if first != second:
            standardMsg = "%s != %s" % _su_common_shorten_repr(first, second)
            diff = "\n" + "".join(_su_difflib.ndiff(first.splitlines(True), second.splitlines(True)))
            self.fail(self._formatMessage(msg, self._truncateMessage(standardMsg, diff)))

    # -- truth, identity, membership, ordering ---------------------------
    def assertTrue(self, expr, msg=None):
        if not expr:
            raise self.failureException(self._formatMessage(msg, f"{_su_r(expr)} is not true"))

    def assertFalse(self, expr, msg=None):
        if expr:
            raise self.failureException(self._formatMessage(msg, f"{_su_r(expr)} is not false"))

    def assertIs(self, expr1, expr2, msg=None):
        if expr1 is not expr2:
            self.fail(self._formatMessage(msg, f"{_su_r(expr1)} is not {_su_r(expr2)}"))

    def assertIsNot(self, expr1, expr2, msg=None):
        if expr1 is expr2:
            self.fail(self._formatMessage(msg, f"unexpectedly identical: {_su_r(expr1)}"))

    def assertIsNone(self, obj, msg=None):
        if obj is not None:
            self.fail(self._formatMessage(msg, f"{_su_r(obj)} is not None"))

    def assertIsNotNone(self, obj, msg=None):
        if obj is None:
            self.fail(self._formatMessage(msg, "unexpectedly None"))

    def assertIn(self, member, container, msg=None):
        if member not in container:
            self.fail(self._formatMessage(msg, f"{_su_r(member)} not found in {_su_r(container)}"))

    def assertNotIn(self, member, container, msg=None):
        if member in container:
            self.fail(self._formatMessage(msg, f"{_su_r(member)} unexpectedly found in {_su_r(container)}"))

    def assertIsInstance(self, obj, cls, msg=None):
        if not isinstance(obj, cls):
            self.fail(self._formatMessage(msg, f"{_su_r(obj)} is not an instance of {cls!r}"))

    def assertNotIsInstance(self, obj, cls, msg=None):
        if isinstance(obj, cls):
            self.fail(self._formatMessage(msg, f"{_su_r(obj)} is an instance of {cls!r}"))

    def assertLess(self, a, b, msg=None):
        if not a < b:
            self.fail(self._formatMessage(msg, f"{_su_r(a)} not less than {_su_r(b)}"))

    def assertLessEqual(self, a, b, msg=None):
        if not a <= b:
            self.fail(self._formatMessage(msg, f"{_su_r(a)} not less than or equal to {_su_r(b)}"))

    def assertGreater(self, a, b, msg=None):
        if not a > b:
            self.fail(self._formatMessage(msg, f"{_su_r(a)} not greater than {_su_r(b)}"))

    def assertGreaterEqual(self, a, b, msg=None):
        if not a >= b:
            self.fail(self._formatMessage(msg, f"{_su_r(a)} not greater than or equal to {_su_r(b)}"))

    def assertRegex(self, text, expected_regex, msg=None):
        if isinstance(expected_regex, (str, bytes)):
            expected_regex = _su_re.compile(expected_regex)
        if not expected_regex.search(text):
            standardMsg = f"Regex didn't match: {expected_regex.pattern!r} not found in {text!r}"
            self.fail(self._formatMessage(msg, standardMsg))

    def assertNotRegex(self, text, unexpected_regex, msg=None):
        if isinstance(unexpected_regex, (str, bytes)):
            unexpected_regex = _su_re.compile(unexpected_regex)
        match = unexpected_regex.search(text)
        if match:
            matched = text[match.start():match.end()]
            standardMsg = f"Regex matched: {matched!r} matches {unexpected_regex.pattern!r} in {text!r}"
            self.fail(self._formatMessage(msg, standardMsg))

    # -- exceptions and warnings -------------------------------------------
    def assertRaises(self, expected_exception, *args, **kwargs):
        return _su_AssertRaisesContext(expected_exception, self).handle("assertRaises", args, kwargs)

    def assertRaisesRegex(self, expected_exception, expected_regex, *args, **kwargs):
        context = _su_AssertRaisesContext(expected_exception, self, expected_regex)
        return context.handle("assertRaisesRegex", args, kwargs)

    def assertWarns(self, expected_warning, *args, **kwargs):
        return _su_AssertWarnsContext(expected_warning, self).handle("assertWarns", args, kwargs)

    def assertWarnsRegex(self, expected_warning, expected_regex, *args, **kwargs):
        context = _su_AssertWarnsContext(expected_warning, self, expected_regex)
        return context.handle("assertWarnsRegex", args, kwargs)

    def assertLogs(self, logger=None, level=None):
        raise _su_Unavailable("assertLogs needs the logging module")

    def assertNoLogs(self, logger=None, level=None):
        raise _su_Unavailable("assertNoLogs needs the logging module")

    # -- deprecated aliases still present in 3.11 ---------------------------
    assertEquals = failUnlessEqual = assertEqual
    assertNotEquals = failIfEqual = assertNotEqual
    assertAlmostEquals = failUnlessAlmostEqual = assertAlmostEqual
    assertNotAlmostEquals = failIfAlmostEqual = assertNotAlmostEqual
    assert_ = failUnless = assertTrue
    failIf = assertFalse
    failUnlessRaises = assertRaises
    assertRaisesRegexp = assertRaisesRegex
    assertRegexpMatches = assertRegex
    assertNotRegexpMatches = assertNotRegex


_su_EQUALITY_FUNCS = {
    dict: "assertDictEqual",
    list: "assertListEqual",
    tuple: "assertTupleEqual",
    set: "assertSetEqual",
    frozenset: "assertSetEqual",
    str: "assertMultiLineEqual",
}


def _su_r(obj, short=False):
    """repr() that cannot fail, optionally cut short (unittest's safe_repr)."""
    try:
        result = repr(obj)
    except Exception:
        result = object.__repr__(obj)
    if not short or len(result) < 80:
        return result
    return result[:80] + " [truncated]..."


def _su_pformat_diff(first, second):
    """An ndiff of the two values' pprint forms, for failure messages."""
    lines = _su_difflib.ndiff(_su_pprint.pformat(first).splitlines(), _su_pprint.pformat(second).splitlines())
    return "\n" + "\n".join(lines)


def _su_common_shorten_repr(*args):
    return tuple(_su_r(arg, short=True) for arg in args)


def _su_count_equal_unhashable(first, second):
    """assertCountEqual for unhashable elements: quadratic matching."""
    remaining = list(second)
    for elem in first:
        for i, other in enumerate(remaining):
            if other == elem:
                del remaining[i]
                break
        else:
            return False
    return not remaining


class _su_FunctionTestCase(_su_TestCase):
    """A test case wrapping a plain function."""

    def __init__(self, testFunc, setUp=None, tearDown=None, description=None):
        super().__init__()
        self._testFunc = testFunc
        self._setUpFunc = setUp
        self._tearDownFunc = tearDown

    def setUp(self):
        if self._setUpFunc is not None:
            self._setUpFunc()

    def tearDown(self):
        if self._tearDownFunc is not None:
            self._tearDownFunc()

    def runTest(self):
        self._testFunc()


class _su_IsolatedAsyncioTestCase(_su_TestCase):
    """asyncio is not available here: every test skips."""

    def setUp(self):
        raise _su_Unavailable("IsolatedAsyncioTestCase needs asyncio")


class _su_TestSuite:
    """An ordered collection of tests (only this harness's TestCase runs)."""

    def __init__(self, tests=()):
        self._tests = []
        self.addTests(tests)

    def addTest(self, test):
        self._tests.append(test)

    def addTests(self, tests):
        if isinstance(tests, str):
            raise TypeError("tests must be an iterable of tests, not a string")
        for test in tests:
            self.addTest(test)

    def __iter__(self):
        return iter(self._tests)

    def countTestCases(self):
        return sum(getattr(t, "countTestCases", lambda: 0)() for t in self)


class _su_TestLoader:
    """Collects test methods the way unittest.TestLoader does (sorted names)."""

    testMethodPrefix = "test"
    suiteClass = _su_TestSuite

    def getTestCaseNames(self, testCaseClass):
        names = []
        for name in dir(testCaseClass):
            if not name.startswith(self.testMethodPrefix):
                continue
            try:
                if callable(getattr(testCaseClass, name)):
                    names.append(name)
            except Exception:
                continue
        return sorted(names)

    def loadTestsFromTestCase(self, testCaseClass):
        if issubclass(testCaseClass, _su_TestSuite):
            raise TypeError("Test cases should not be derived from TestSuite.")
        names = self.getTestCaseNames(testCaseClass)
        if not names and hasattr(testCaseClass, "runTest"):
            names = ["runTest"]
        return self.suiteClass(_su_make_test(testCaseClass, name) for name in names)

    def loadTestsFromModule(self, module, *args, pattern=None, **kws):
        namespace = module if isinstance(module, dict) else vars(module)
        tests = []
        for name in sorted(namespace):
            if name.startswith("_su_"):
                continue
            obj = namespace[name]
            if isinstance(obj, type) and issubclass(obj, _su_TestCase):
                tests.append(self.loadTestsFromTestCase(obj))
        return self.suiteClass(tests)


class _su_BrokenTest:
    """A test whose TestCase could not be instantiated: reported as an error."""

    def __init__(self, cls, name, exc):
        self.cls, self._testMethodName, self.exc = cls, name, exc


def _su_make_test(cls, name):
    try:
        return cls(name)
    except Exception as exc:
        return _su_BrokenTest(cls, name, exc)


_su_defaultTestLoader = _su_TestLoader()


def _su_unittest_main(*args, **kwargs):
    """unittest.main(): a no-op, the generated script runs the tests itself (_su_main)."""


try:
    from unittest import mock as _su_mock
except ImportError:
    _su_mock = _su_Missing("unittest.mock")


# ---------------------------------------------------------------------------
# test.support
# ---------------------------------------------------------------------------

class _su_TestFailed(Exception):
    """test.support.TestFailed."""


class _su_ResourceDenied(_su_SkipTest):
    """test.support.ResourceDenied: a resource (network, cpu, ...) is not enabled."""


def _su_always_skip(reason):
    def decorator(item):
        return _su_skip(reason)(item)
    return decorator


def _su_skip_decorator(reason):
    """A decorator usable bare (@d) or called (@d(...)), always skipping."""
    def decorator(*args, **kwargs):
        if len(args) == 1 and not kwargs and callable(args[0]):
            return _su_skip(reason)(args[0])
        return lambda item: _su_skip(reason)(item)
    return decorator


_su_cpython_only = _su_always_skip("cpython_only (implementation detail)")


def _su_parse_guards(guards):
    if not guards:
        return ({"cpython": True}, False)
    is_true = list(guards.values())[0]
    return (guards, not is_true)


def _su_check_impl_detail(**guards):
    """As in test.support: true on the implementations the guards name."""
    guards, default = _su_parse_guards(guards)
    return guards.get(_su_sys.implementation.name, default)


def _su_impl_detail(msg=None, **guards):
    """Like cpython_only when guarding CPython (always skipped), else real."""
    if not guards or guards == {"cpython": True}:
        return _su_always_skip(msg or "implementation detail")
    if _su_check_impl_detail(**guards):
        return _su_id
    return _su_always_skip(msg or "implementation detail")


def _su_is_resource_enabled(resource):
    """As under regrtest without -u: no optional resource is enabled."""
    return False


def _su_requires(resource, msg=None):
    raise _su_ResourceDenied(msg or f"Use of the {resource!r} resource not enabled")


def _su_requires_resource(resource):
    return _su_skip(f"resource {resource!r} is not enabled")


_su_has_subprocess_support = _su_real_script_helper is not None and _su_sys.platform not in ("wasi", "emscripten")
_su_has_fork_support = _su_has_subprocess_support and hasattr(_su_os, "fork")


def _su_requires_subprocess():
    """As in test.support: skip unless child processes can be started."""
    return _su_skipUnless(_su_has_subprocess_support, "requires subprocess support")


def _su_requires_fork():
    return _su_skipUnless(_su_has_fork_support, "requires working os.fork()")


_su_requires_legacy_unicode_capi = _su_skip_decorator("requires _testcapi")
_su_bigaddrspacetest = _su_skip_decorator("bigaddrspacetest")
_su_requires_limited_api = _su_skip_decorator("requires the limited C API")


def _su_identity_decorator(*args, **kwargs):
    """A decorator that changes nothing, usable bare or called."""
    if len(args) == 1 and not kwargs and callable(args[0]):
        return args[0]
    return _su_id


_su_requires_IEEE_754 = _su_identity_decorator
_su_requires_docstrings = _su_identity_decorator
_su_no_tracing = _su_identity_decorator
_su_skip_if_pgo_task = _su_identity_decorator
_su_skip_if_buggy_ucrt_strfptime = _su_identity_decorator
_su_requires_mac_ver = _su_identity_decorator
_su_refcount_test = _su_identity_decorator


def _su_skip_if_sanitizer(*args, **kwargs):
    return _su_id


def _su_check_sanitizer(*args, **kwargs):
    return False


def _su_darwin_malloc_err_warning(test_name):
    pass


_su_verbose = False
_su_is_emscripten = _su_sys.platform == "emscripten"
_su_is_wasi = _su_sys.platform == "wasi"
_su_is_jython = False
_su_is_android = False
_su_has_strftime_extensions = _su_sys.platform != "win32"
_su_Py_DEBUG = False
_su_MISSING_C_DOCSTRINGS = False
_su_HAVE_DOCSTRINGS = True
_su_REPO_ROOT = "/nonexistent-cpython-repo"
_su_SHORT_TIMEOUT = 30.0
_su_LONG_TIMEOUT = 300.0
_su_LOOPBACK_TIMEOUT = 5.0
_su_INTERNET_TIMEOUT = 60.0
_su_PIPE_MAX_SIZE = 4 * 1024 * 1024 + 1
_su__1M = 1024 * 1024
_su__1G = 1024 * _su__1M
_su__2G = 2 * _su__1G
_su__4G = 4 * _su__1G
_su_MAX_Py_ssize_t = _su_sys.maxsize
_su_real_max_memuse = 0
_su_max_memuse = 0
_su_Error = _su_TestFailed


def _su_with_pymalloc():
    return False


def _su_bigmemtest(size, memuse, dry_run=True):
    """As in test.support without -M: dry runs get size 5147, others skip."""
    def decorator(f):
        def wrapper(self):
            if not dry_run:
                raise _su_SkipTest("not enough memory: bigmem tests are not enabled")
            return f(self, 5147)
        wrapper.size = size
        wrapper.memuse = memuse
        wrapper.__name__ = f.__name__
        wrapper.__doc__ = f.__doc__
        return wrapper
    return decorator


def _su_gc_collect():
    if _su_gc is not None:
        _su_gc.collect()
        _su_gc.collect()
        _su_gc.collect()


@_su_contextlib.contextmanager
def _su_disable_gc():
    if _su_gc is None:
        yield
        return
    have_gc = _su_gc.isenabled()
    _su_gc.disable()
    try:
        yield
    finally:
        if have_gc:
            _su_gc.enable()


@_su_contextlib.contextmanager
def _su_captured_output(stream_name):
    orig_stdout = getattr(_su_sys, stream_name)
    setattr(_su_sys, stream_name, _su_io.StringIO())
    try:
        yield getattr(_su_sys, stream_name)
    finally:
        setattr(_su_sys, stream_name, orig_stdout)


def _su_captured_stdout():
    return _su_captured_output("stdout")


def _su_captured_stderr():
    return _su_captured_output("stderr")


def _su_captured_stdin():
    return _su_captured_output("stdin")


@_su_contextlib.contextmanager
def _su_swap_attr(obj, attr, new_val):
    if hasattr(obj, attr):
        real_val = getattr(obj, attr)
        setattr(obj, attr, new_val)
        try:
            yield real_val
        finally:
            setattr(obj, attr, real_val)
    else:
        setattr(obj, attr, new_val)
        try:
            yield
        finally:
            if hasattr(obj, attr):
                delattr(obj, attr)


@_su_contextlib.contextmanager
def _su_swap_item(obj, item, new_val):
    if item in obj:
        real_val = obj[item]
        obj[item] = new_val
        try:
            yield real_val
        finally:
            obj[item] = real_val
    else:
        obj[item] = new_val
        try:
            yield
        finally:
            if item in obj:
                del obj[item]


@_su_contextlib.contextmanager
def _su_infinite_recursion(max_depth=75):
    original_depth = _su_sys.getrecursionlimit()
    try:
        _su_sys.setrecursionlimit(max_depth)
        yield
    finally:
        _su_sys.setrecursionlimit(original_depth)


def _su_get_recursion_depth():
    getframe = getattr(_su_sys, "_getframe", None)
    if getframe is None:
        raise _su_Unavailable("get_recursion_depth needs sys._getframe")
    frame, depth = getframe(1), 0
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


def _su_get_recursion_available():
    return _su_sys.getrecursionlimit() - _su_get_recursion_depth()


@_su_contextlib.contextmanager
def _su_adjust_int_max_str_digits(max_digits):
    setter = getattr(_su_sys, "set_int_max_str_digits", None)
    if setter is None:
        yield
        return
    current = _su_sys.get_int_max_str_digits()
    try:
        setter(max_digits)
        yield
    finally:
        setter(current)


def _su_setswitchinterval(interval):
    pass


def _su_run_with_locale(catstr, *locales):
    """Run the test under the first locale that can be set (needs `locale`)."""
    def decorator(func):
        @_su_functools.wraps(func)
        def inner(*args, **kwds):
            try:
                import locale
                category = getattr(locale, catstr)
                orig_locale = locale.setlocale(category)
            except AttributeError:
                raise
            except Exception:
                locale = orig_locale = None
            else:
                for loc in locales:
                    try:
                        locale.setlocale(category, loc)
                        break
                    except Exception:
                        pass
            try:
                return func(*args, **kwds)
            finally:
                if locale and orig_locale:
                    locale.setlocale(category, orig_locale)
        return inner
    return decorator


def _su_run_with_tz(tz):
    """Run the test with TZ set (needs os.environ and time.tzset)."""
    def decorator(func):
        @_su_functools.wraps(func)
        def inner(*args, **kwds):
            tzset = getattr(_su_time, "tzset", None)
            if tzset is None or _su_os is None:
                raise _su_SkipTest("tzset required")
            orig_tz = _su_os.environ.get("TZ")
            _su_os.environ["TZ"] = tz
            tzset()
            try:
                return func(*args, **kwds)
            finally:
                if orig_tz is None:
                    del _su_os.environ["TZ"]
                else:
                    _su_os.environ["TZ"] = orig_tz
                _su_time.tzset()
        return inner
    return decorator


class _su_AlwaysEqType:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


class _su_NeverEqType:
    def __eq__(self, other):
        return False

    def __ne__(self, other):
        return True

    def __hash__(self):
        return 1


@_su_functools.total_ordering
class _su_LargestType:
    def __eq__(self, other):
        return isinstance(other, _su_LargestType)

    def __lt__(self, other):
        return False


@_su_functools.total_ordering
class _su_SmallestType:
    def __eq__(self, other):
        return isinstance(other, _su_SmallestType)

    def __gt__(self, other):
        return False


_su_ALWAYS_EQ = _su_AlwaysEqType()
_su_NEVER_EQ = _su_NeverEqType()
_su_LARGEST = _su_LargestType()
_su_SMALLEST = _su_SmallestType()


def _su_detect_api_mismatch(ref_api, other_api, *, ignore=()):
    missing_items = set(dir(ref_api)) - set(dir(other_api))
    if ignore:
        missing_items -= set(ignore)
    return set(m for m in missing_items if not m.startswith("_") or m.endswith("__"))


def _su_check__all__(test_case, module, name_of_module=None, extra=(), not_exported=()):
    if name_of_module is None:
        name_of_module = (module.__name__,)
    elif isinstance(name_of_module, str):
        name_of_module = (name_of_module,)
    expected = set(extra)
    for name in dir(module):
        if name.startswith("_") or name in not_exported:
            continue
        obj = getattr(module, name)
        if (getattr(obj, "__module__", None) in name_of_module or
                (not hasattr(obj, "__module__") and not isinstance(obj, _su_types.ModuleType))):
            expected.add(name)
    test_case.assertCountEqual(module.__all__, expected)


def _su_check_free_after_iterating(test, iter, cls, args=()):
    done = False

    class A(cls):
        def __del__(self):
            nonlocal done
            done = True
            try:
                next(it)
            except StopIteration:
                pass

    it = iter(A(*args))
    test.assertRaises(StopIteration, next, it)
    _su_gc_collect()
    test.assertTrue(done)


def _su_check_disallow_instantiation(testcase, tp, *args, **kwds):
    mod = tp.__module__
    name = tp.__name__
    qualname = f"{mod}.{name}" if mod != "builtins" else name
    msg = f"cannot create '{_su_re.escape(qualname)}' instances"
    testcase.assertRaisesRegex(TypeError, msg, tp, *args, **kwds)


def _su_unavailable_function(what, why="is not supported by this harness"):
    """A test.support function this harness does not offer: using it skips the test."""
    def function(*args, **kwargs):
        raise _su_Unavailable(f"{what} {why}")
    function.__name__ = what.rsplit(".", 1)[-1]
    return function


_su_check_sizeof = _su_unavailable_function("test.support.check_sizeof")
_su_calcobjsize = _su_unavailable_function("test.support.calcobjsize")
_su_calcvobjsize = _su_unavailable_function("test.support.calcvobjsize")
_su_wait_process = (_su_real_support.wait_process if _su_real_support is not None
                    else _su_unavailable_function("test.support.wait_process"))
_su_run_in_subinterp = _su_unavailable_function("test.support.run_in_subinterp")


def _su_open_urlresource(*args, **kwargs):
    raise _su_ResourceDenied("network resources are not enabled")


def _su_findfile(filename, subdir=None):
    """A path in CPython's test directory (readable under CPython only)."""
    base = _su_TEST_DIR if subdir is None else f"{_su_TEST_DIR}/{subdir}"
    return f"{base}/{filename}"


_su_TEST_DIR = "/nonexistent-test-dir"


class _su_catch_unraisable_exception:
    """Catches exceptions reported through sys.unraisablehook, where there is one."""

    def __init__(self):
        self.unraisable = None
        self._old_hook = None

    def _hook(self, unraisable):
        self.unraisable = unraisable

    def __enter__(self):
        if hasattr(_su_sys, "unraisablehook"):
            self._old_hook = _su_sys.unraisablehook
            _su_sys.unraisablehook = self._hook
        return self

    def __exit__(self, *exc_info):
        if self._old_hook is not None:
            _su_sys.unraisablehook = self._old_hook
        del self.unraisable


def _su_load_package_tests(pkg_dir, loader, standard_tests, pattern):
    """The package's tests are already in the script: nothing to add."""
    return standard_tests


def _su_reap_children():
    """No child processes are left behind by this harness."""


def _su_run_unittest(*classes):
    """Old-style test_main() helpers: the runner collects classes itself."""


def _su_import_helper_import_module(name, deprecated=False, *, required_on=()):
    """The module if the script could import it, else SkipTest (as in test.support)."""
    if name.split(".")[0] in _su_CPYTHON_INTERNALS:
        raise _su_SkipTest(f"{name}: a CPython C-API test module, not measured")
    if _su_real_import_helper is not None:
        return _su_real_import_helper.import_module(name, deprecated, required_on=required_on)
    module = _su_IMPORTED.get(name)
    if module is None:
        raise _su_SkipTest(f"No module named {name!r}")
    return module


def _su_backed_by(module, accelerator: str) -> bool:
    """Whether `module` (or one of its submodules) exposes objects of `accelerator`.

    capy hides accelerator modules such as `_json` from scripts, but the
    public module may still be built on one: then its "C" tests apply.
    """
    values = list(vars(module).values())
    for value in list(values):
        if isinstance(value, _su_types.ModuleType):
            values.extend(vars(value).values())
    return any(getattr(v, "__module__", None) == accelerator for v in values if callable(v))


def _su_import_fresh_module(name, fresh=(), blocked=(), deprecated=False):
    """test.support's own where it can be imported (CPython).

    Otherwise (capy) the module as the script imported it, or None if it
    cannot be imported or if a `fresh` accelerator (e.g. `_decimal`) is
    neither importable nor behind the module.  `blocked` cannot be honoured
    without re-importing: "pure Python" variants run against the module as
    imported, the only implementation there is.
    """
    if _su_real_import_helper is not None:
        return _su_real_import_helper.import_fresh_module(name, fresh, blocked, deprecated=deprecated)
    module = _su_IMPORTED.get(name)
    if module is None:
        return None
    for other in fresh:
        if other != name and other not in _su_IMPORTED and not _su_backed_by(module, other):
            return None
    return module


@_su_contextlib.contextmanager
def _su_null_context(*args, **kwargs):
    yield


def _su_check_warnings(*filters, quiet=True):
    """warnings_helper.check_warnings: records warnings where it can, checks nothing."""
    return _su_WarningsRecorder()


class _su_WarningsRecorder:
    def __init__(self):
        self._manager = None
        self._warnings = []

    def __enter__(self):
        if _su_warnings is not None:
            self._manager = _su_warnings.catch_warnings(record=True)
            self._warnings = self._manager.__enter__()
            _su_warnings.simplefilter("always")
        return self

    def __exit__(self, *exc):
        if self._manager is not None:
            self._manager.__exit__(*exc)
        return False

    @property
    def warnings(self):
        return self._warnings

    def __getattr__(self, attr):
        if self._warnings:
            return getattr(self._warnings[-1], attr)
        if attr in ("message", "category", "filename", "lineno", "file", "line"):
            return None
        raise AttributeError(attr)

    def reset(self):
        del self._warnings[:]


def _su_ignore_warnings(*, category):
    def decorator(test):
        @_su_functools.wraps(test)
        def wrapper(self, *args, **kwargs):
            if _su_warnings is None:
                return test(self, *args, **kwargs)
            with _su_warnings.catch_warnings():
                _su_warnings.simplefilter("ignore", category=category)
                return test(self, *args, **kwargs)
        return wrapper
    return decorator


def _su_requires_hashdigest(digestname, openssl=None, usedforsecurity=True):
    import hashlib

    def decorator(func_or_class):
        if isinstance(func_or_class, type):
            setUpClass = func_or_class.__dict__.get("setUpClass")
            if setUpClass is None:
                def setUpClass(cls):
                    super(func_or_class, cls).setUpClass()
                setUpClass.__qualname__ = func_or_class.__qualname__ + ".setUpClass"
                setUpClass.__module__ = func_or_class.__module__
            else:
                setUpClass = setUpClass.__func__
            setUpClass = classmethod(decorator(setUpClass))
            func_or_class.setUpClass = setUpClass
            return func_or_class

        @_su_functools.wraps(func_or_class)
        def wrapper(*args, **kwargs):
            try:
                hashlib.new(digestname, usedforsecurity=usedforsecurity)
            except ValueError:
                raise _su_SkipTest(f"hash digest {digestname!r} is not available.")
            return func_or_class(*args, **kwargs)
        return wrapper
    return decorator


class _su_FakePath:
    """os_helper.FakePath: a simple object implementing __fspath__."""

    def __init__(self, path):
        self.path = path

    def __repr__(self):
        return f"<FakePath {self.path!r}>"

    def __fspath__(self):
        if isinstance(self.path, BaseException) or (
                isinstance(self.path, type) and issubclass(self.path, BaseException)):
            raise self.path
        return self.path


def _su_needs_os(what):
    def function(*args, **kwargs):
        if _su_os is None:
            raise _su_Unavailable(f"{what} needs the os module")
        return _su_OS_FUNCTIONS[what](*args, **kwargs)
    function.__name__ = what
    return function


def _su_os_unlink(filename):
    try:
        _su_os.unlink(filename)
    except (FileNotFoundError, NotADirectoryError):
        pass


def _su_os_rmtree(path):
    import shutil
    shutil.rmtree(path, ignore_errors=True)


def _su_os_create_empty_file(filename):
    fd = _su_os.open(filename, _su_os.O_WRONLY | _su_os.O_CREAT | _su_os.O_TRUNC)
    _su_os.close(fd)


@_su_contextlib.contextmanager
def _su_os_temp_dir(path=None, quiet=False):
    import tempfile
    with tempfile.TemporaryDirectory() as name:
        yield name if path is None else path


@_su_contextlib.contextmanager
def _su_os_change_cwd(path, quiet=False):
    saved = _su_os.getcwd()
    _su_os.chdir(path)
    try:
        yield _su_os.getcwd()
    finally:
        _su_os.chdir(saved)


@_su_contextlib.contextmanager
def _su_os_temp_cwd(name="tempcwd", quiet=False):
    import tempfile
    with tempfile.TemporaryDirectory() as base:
        with _su_os_change_cwd(base):
            yield base


def _su_os_make_bad_fd():
    with open("@test_standin_bad_fd", "wb") as file:
        fd = file.fileno()
    _su_os_unlink("@test_standin_bad_fd")
    return fd


_su_OS_FUNCTIONS = {
    "make_bad_fd": _su_os_make_bad_fd,
    "unlink": _su_os_unlink,
    "rmtree": _su_os_rmtree,
    "rmdir": lambda path: _su_os.rmdir(path),
    "create_empty_file": _su_os_create_empty_file,
    "temp_dir": _su_os_temp_dir,
    "temp_cwd": _su_os_temp_cwd,
    "change_cwd": _su_os_change_cwd,
}


class _su_EnvironmentVarGuard(dict):
    def __init__(self):
        if _su_os is None:
            raise _su_Unavailable("EnvironmentVarGuard needs the os module")
        super().__init__()
        self._saved = dict(_su_os.environ)

    def set(self, key, value):
        _su_os.environ[key] = value

    def unset(self, key):
        _su_os.environ.pop(key, None)

    def __setitem__(self, key, value):
        _su_os.environ[key] = value

    def __delitem__(self, key):
        _su_os.environ.pop(key, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _su_os.environ.clear()
        _su_os.environ.update(self._saved)
        return False


def _su_threading_requires_working_threading(*, module=False):
    try:
        import threading  # noqa: F401
        ok = True
    except ImportError:
        ok = False
    message = "requires threading support"
    if module:
        if not ok:
            raise _su_SkipTest(message)
        return None
    return _su_skipUnless(ok, message)


@_su_contextlib.contextmanager
def _su_threading_start_threads(threads, unlock=None):
    threads = list(threads)
    started = []
    try:
        for t in threads:
            t.start()
            started.append(t)
        yield
    finally:
        if unlock:
            unlock()
        for t in started:
            t.join()


def _su_build_support():
    """The namespaces test files import: test, test.support and its helpers."""
    s = globals()
    support_names = """
        SkipTest TestFailed ResourceDenied Error cpython_only check_impl_detail impl_detail
        is_resource_enabled requires requires_resource requires_subprocess requires_fork
        requires_legacy_unicode_capi bigaddrspacetest requires_limited_api requires_IEEE_754
        requires_docstrings no_tracing skip_if_pgo_task skip_if_buggy_ucrt_strfptime
        requires_mac_ver refcount_test skip_if_sanitizer check_sanitizer darwin_malloc_err_warning
        verbose is_emscripten is_wasi is_jython is_android has_strftime_extensions Py_DEBUG
        MISSING_C_DOCSTRINGS HAVE_DOCSTRINGS REPO_ROOT SHORT_TIMEOUT LONG_TIMEOUT
        LOOPBACK_TIMEOUT INTERNET_TIMEOUT PIPE_MAX_SIZE _1M _1G _2G _4G MAX_Py_ssize_t
        real_max_memuse max_memuse with_pymalloc bigmemtest gc_collect disable_gc
        captured_output captured_stdout captured_stderr captured_stdin swap_attr swap_item
        infinite_recursion get_recursion_depth get_recursion_available adjust_int_max_str_digits
        setswitchinterval run_with_locale run_with_tz ALWAYS_EQ NEVER_EQ LARGEST SMALLEST
        detect_api_mismatch check__all__ check_free_after_iterating check_disallow_instantiation
        check_sizeof calcobjsize calcvobjsize wait_process run_in_subinterp open_urlresource
        findfile catch_unraisable_exception load_package_tests run_unittest has_subprocess_support
        reap_children
    """.split()
    import_helper = _su_namespace("test.support.import_helper", {
        "import_module": _su_import_helper_import_module,
        "import_fresh_module": _su_import_fresh_module,
        "CleanImport": _su_null_context,
        "DirsOnSysPath": _su_null_context,
    })
    warnings_helper = _su_namespace("test.support.warnings_helper", {
        "check_warnings": _su_check_warnings,
        "check_no_resource_warning": _su_null_context,
        "check_no_warnings": _su_null_context,
        "ignore_warnings": _su_ignore_warnings,
        "check_syntax_warning": _su_unavailable_function("warnings_helper.check_syntax_warning"),
    })
    os_helper = _su_namespace("test.support.os_helper", {
        "TESTFN": "@test_standin_tmp",
        "TESTFN_ASCII": "@test_standin_tmp",
        "TESTFN_UNICODE": "@test_standin_tmp-\xe0\xf2\u0258\u0141\u011f",
        "TESTFN_NONASCII": "@test_standin_tmp\xe6",
        "TESTFN_UNENCODABLE": None,
        "TESTFN_UNDECODABLE": None,
        "FS_NONASCII": "\xe6",
        "SAVEDCWD": _su_os.getcwd() if _su_os is not None else "/",
        "FakePath": _su_FakePath,
        "EnvironmentVarGuard": _su_EnvironmentVarGuard,
        "can_symlink": lambda: False,
        "skip_unless_symlink": _su_skip("requires symlinks (not run by this harness)"),
        **{name: _su_needs_os(name) for name in _su_OS_FUNCTIONS},
    })
    script_helper = _su_real_script_helper or _su_namespace("test.support.script_helper", {
        name: _su_unavailable_function(f"script_helper.{name}", "needs a child interpreter")
        for name in ("assert_python_ok", "assert_python_failure", "run_python_until_end",
                     "spawn_python", "kill_python", "make_script", "interpreter_requires_environment")
    })
    threading_helper = _su_namespace("test.support.threading_helper", {
        "reap_threads": _su_identity_decorator,
        "requires_working_threading": _su_threading_requires_working_threading,
        "start_threads": _su_threading_start_threads,
        "threading_setup": lambda: (),
        "threading_cleanup": lambda *args: None,
        "join_thread": lambda thread, timeout=None: thread.join(timeout),
    })
    hashlib_helper = _su_namespace("test.support.hashlib_helper", {
        "requires_hashdigest": _su_requires_hashdigest,
    })
    support = _su_namespace("test.support", {name: s["_su_" + name] for name in support_names})
    helpers = {
        "import_helper": import_helper,
        "warnings_helper": warnings_helper,
        "os_helper": os_helper,
        "script_helper": script_helper,
        "threading_helper": threading_helper,
        "hashlib_helper": hashlib_helper,
        "socket_helper": _su_Missing("test.support.socket_helper"),
        "bytecode_helper": _su_Missing("test.support.bytecode_helper"),
    }
    support.__dict__.update(helpers)
    # Old names that test.support itself re-exports from its helpers.
    for helper in (import_helper, os_helper, warnings_helper):
        for name, value in vars(helper).items():
            if not name.startswith("_"):
                support.__dict__.setdefault(name, value)
    test = _su_namespace("test", {"support": support})
    unittest_names = """
        SkipTest TestCase FunctionTestCase IsolatedAsyncioTestCase TestSuite TestLoader
        defaultTestLoader skip skipIf skipUnless expectedFailure
    """.split()
    unittest = _su_namespace("unittest", {name: s["_su_" + name] for name in unittest_names})
    unittest.main = _su_unittest_main
    unittest.mock = _su_mock
    unittest.case = unittest
    modules = {
        "unittest": unittest,
        "unittest.mock": _su_mock,
        "unittest.case": unittest,
        "test": test,
        "test.support": support,
    }
    for name, helper in helpers.items():
        modules[f"test.support.{name}"] = helper
    return modules


def _su_publish_names() -> None:
    """Give the stand-in classes their unittest names (for reprs and messages)."""
    for cls in (_su_SkipTest, _su_TestCase, _su_FunctionTestCase, _su_IsolatedAsyncioTestCase,
                _su_TestSuite, _su_TestLoader, _su_TestFailed, _su_ResourceDenied):
        cls.__name__ = cls.__qualname__ = cls.__name__[len("_su_"):]


_su_publish_names()
_su_MODULES = _su_build_support()


def _su_module(name: str) -> object:
    """The stand-in module bound by a rewritten `import unittest` / `import test.support`."""
    module = _su_MODULES.get(name)
    return module if module is not None else _su_Missing(name)


def _su_from(module_name: str, attr: str) -> object:
    """The value bound by a rewritten `from <stand-in module> import attr`."""
    full = f"{module_name}.{attr}"
    if full in _su_MODULES:
        return _su_MODULES[full]
    module = _su_module(module_name)
    try:
        return getattr(module, attr)
    except AttributeError:
        return _su_Missing(full)


def _su_helper(name: str) -> object:
    """A helper module of the test suite (inlined by run.py), loaded once."""
    if name not in _su_HELPER_CACHE:
        loader = _su_HELPERS.get(name)
        _su_HELPER_CACHE[name] = _su_Missing(name)  # also guards against import cycles
        if loader is not None:
            try:
                _su_HELPER_CACHE[name] = loader()
            except Exception as exc:
                _su_emit(f"NOTE load error: helper {name}: {_su_describe(exc)}")
    return _su_HELPER_CACHE[name]


def _su_load_error(statement: str, exc: BaseException) -> None:
    """A top-level statement of the test file failed: report it and go on."""
    _su_emit(f"NOTE load error: {statement}: {_su_describe(exc)}")


def _su_helper_from(name: str, attr: str) -> object:
    """`from <helper> import attr`: an attribute, or a nested helper module."""
    nested = f"{name}.{attr}"
    if nested in _su_HELPERS:
        return _su_helper(nested)
    module = _su_helper(name)
    try:
        return getattr(module, attr)
    except AttributeError:
        return _su_Missing(nested)


# ---------------------------------------------------------------------------
# The runner
# ---------------------------------------------------------------------------

_su_REAL_STDOUT = _su_sys.stdout
_su_REAL_STDERR = _su_sys.stderr


def _su_emit(line: str) -> None:
    """Print one protocol line on the real stdout, whatever a test left redirected."""
    _su_sys.stdout = _su_REAL_STDOUT
    _su_sys.stderr = _su_REAL_STDERR
    print("\n" + line, flush=True)


def _su_describe(exc: BaseException) -> str:
    """`Type: first line of the message`, kept short and on one line."""
    try:
        text = str(exc)
    except Exception:
        text = "<unprintable>"
    first = text.strip().splitlines()[0] if text.strip() else ""
    described = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return described[:300]


def _su_is_limit(exc: BaseException) -> bool:
    """capy's limits surface as a BaseException that must not be swallowed."""
    return not isinstance(exc, Exception) and not isinstance(exc, SystemExit)


def _su_flatten(suite, out):
    if isinstance(suite, (_su_TestCase, _su_BrokenTest)):
        out.append(suite)
        return
    if isinstance(suite, _su_TestSuite) or (isinstance(suite, (list, tuple))):
        for test in suite:
            _su_flatten(test, out)
    # Anything else (a doctest suite from the real unittest, a placeholder) is ignored.


def _su_collect(namespace: dict) -> list:
    """The tests to run, in order: load_tests() if the file has one, else every TestCase."""
    loader = _su_TestLoader()
    standard = loader.loadTestsFromModule(namespace)
    suite = standard
    load_tests = namespace.get("load_tests")
    if callable(load_tests):
        try:
            result = load_tests(loader, standard, None)
            if result is not None:
                suite = result
        except Exception as exc:
            _su_emit(f"NOTE load_tests failed, running the standard tests: {_su_describe(exc)}")
    tests = []
    _su_flatten(suite, tests)
    return tests


def _su_test_name(test) -> str:
    cls = test.cls if isinstance(test, _su_BrokenTest) else type(test)
    return f"{cls.__qualname__}.{test._testMethodName}"


def _su_run_part(outcome, function, is_test=False, expecting_failure=False):
    """Run setUp, the test method or tearDown; record what it raised."""
    try:
        function()
        return True
    except _su_SkipTest as exc:
        outcome.skipped.append(str(exc))
    except AssertionError as exc:
        if is_test and expecting_failure:
            outcome.expected_failure = exc
        else:
            outcome.failures.append(exc)
    except BaseException as exc:
        if _su_is_limit(exc):
            raise
        if is_test and expecting_failure:
            outcome.expected_failure = exc
        else:
            outcome.errors.append(("test" if is_test else "fixture", exc))
    return False


def _su_marker(obj, name: str, default=False):
    """A decorator's marker on a test; a test that is a placeholder has none."""
    if isinstance(obj, _su_Missing):
        return default
    return getattr(obj, name, default)


def _su_run_one(test) -> "tuple[str, str]":
    """Run one test method with its fixtures; return (outcome, detail)."""
    if isinstance(test, _su_BrokenTest):
        return "error", "cannot instantiate: " + _su_describe(test.exc)
    cls = type(test)
    method = getattr(test, test._testMethodName)
    if _su_marker(cls, "__unittest_skip__") or _su_marker(method, "__unittest_skip__"):
        reason = _su_marker(cls, "__unittest_skip_why__", "") or _su_marker(method, "__unittest_skip_why__", "")
        return "skip", f"SkipTest: {reason}"
    expecting_failure = bool(_su_marker(method, "__unittest_expecting_failure__")
                             or _su_marker(test, "__unittest_expecting_failure__"))
    outcome = _su_Outcome()
    test._outcome = outcome
    test._su_expecting_failure = expecting_failure
    try:
        if _su_run_part(outcome, test.setUp):
            _su_run_part(outcome, method, is_test=True, expecting_failure=expecting_failure)
            _su_run_part(outcome, test.tearDown)
        _su_run_part(outcome, test.doCleanups)
    finally:
        test._outcome = None
    if outcome.errors:
        where, exc = outcome.errors[0]
        prefix = "" if where in ("test", "subTest") else f"in {where}: "
        return "error", prefix + _su_describe(exc)
    if outcome.failures:
        return "fail", _su_describe(outcome.failures[0])
    if outcome.expected_failure is not None:
        return "skip", "expected failure: " + _su_describe(outcome.expected_failure)
    if expecting_failure and not outcome.skipped:
        return "fail", "unexpected success (marked expectedFailure)"
    if outcome.skipped:
        return "skip", "SkipTest: " + outcome.skipped[0]
    return "pass", ""


def _su_set_up_class(cls) -> "tuple[str, str] | None":
    """Run setUpClass; a non-None result is the outcome of every test of the class."""
    if getattr(cls, "__unittest_skip__", False):
        return None
    try:
        cls.setUpClass()
    except _su_SkipTest as exc:
        return "skip", f"SkipTest: in setUpClass: {exc}"
    except BaseException as exc:
        if _su_is_limit(exc):
            raise
        cls.doClassCleanups()
        return "error", "in setUpClass: " + _su_describe(exc)
    return None


def _su_tear_down_class(cls) -> None:
    if getattr(cls, "__unittest_skip__", False):
        return
    try:
        cls.tearDownClass()
    except BaseException as exc:
        if _su_is_limit(exc):
            raise
        _su_emit(f"NOTE tearDownClass of {cls.__qualname__} failed: {_su_describe(exc)}")
    for exc in cls.doClassCleanups():
        _su_emit(f"NOTE class cleanup of {cls.__qualname__} failed: {_su_describe(exc)}")


def _su_main(namespace: dict) -> None:
    """Run every test method of the script on its own and print its result."""
    tests = _su_collect(namespace)
    names: "dict[str, int]" = {}
    planned = []
    for test in tests:
        name = _su_test_name(test)
        count = names.get(name, 0) + 1
        names[name] = count
        if count > 1:
            name = f"{name}#{count}"
        if name not in _su_EXCLUDE:
            planned.append((name, test))
    module_outcome = None
    _su_state["in_test"] = True
    set_up_module = namespace.get("setUpModule")
    if callable(set_up_module):
        try:
            set_up_module()
        except _su_SkipTest as exc:
            module_outcome = ("skip", f"SkipTest: in setUpModule: {exc}")
        except Exception as exc:
            module_outcome = ("error", "in setUpModule: " + _su_describe(exc))
    current_class = None
    class_outcome = None
    done = 0
    for name, test in planned:
        cls = test.cls if isinstance(test, _su_BrokenTest) else type(test)
        _su_emit(f"START {name}")
        started = _su_time.perf_counter()
        try:
            if module_outcome is not None:
                result = module_outcome
            else:
                if cls is not current_class:
                    if current_class is not None and class_outcome is None:
                        _su_tear_down_class(current_class)
                    current_class = cls
                    class_outcome = _su_set_up_class(cls)
                result = class_outcome if class_outcome is not None else _su_run_one(test)
        except _su_SkipTest as exc:
            result = ("skip", f"SkipTest: {exc}")
        except Exception as exc:
            result = ("error", "harness: " + _su_describe(exc))
        except BaseException as exc:
            # A limit (or an interrupt): the sandbox is about to end.  No
            # RESULT, so the harness can re-run this test in a fresh sandbox.
            _su_emit(f"ABORT {name} {_su_describe(exc)}")
            raise
        elapsed = _su_time.perf_counter() - started
        _su_emit(f"RESULT {name} {result[0]}")
        if result[1]:
            _su_emit(f"DETAIL {name} {result[1]}")
        if elapsed > 5:
            _su_emit(f"SLOW {name} {elapsed:.1f}s")
        done += 1
    if current_class is not None and class_outcome is None and module_outcome is None:
        _su_tear_down_class(current_class)
    tear_down_module = namespace.get("tearDownModule")
    if callable(tear_down_module) and module_outcome is None:
        try:
            tear_down_module()
        except Exception as exc:
            _su_emit(f"NOTE tearDownModule failed: {_su_describe(exc)}")
    _su_state["in_test"] = False
    _su_emit(f"DONE {done}")
