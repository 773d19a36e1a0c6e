//! The standard-library catalog: what each module does for a script, which
//! modules a policy lets it import, and deterministic mode. (The escape
//! payloads that start from granted modules are in
//! `tests/escapes/granted_modules/`.)
//!
//! Expected outputs are CPython 3.11's for the same script, except where a
//! comment says why the sandbox differs.

use crate::tree::Tree;
use crate::{engine, exception_of, granted_stdout, stdout_of};

/// Runs `source` in a sandbox granted exactly `modules`.
fn run_with_modules(modules: &[&str], source: &str) -> capy::Outcome {
    engine()
        .sandbox()
        .modules(modules.iter().copied())
        .build()
        .expect("sandbox starts")
        .run(source)
        .expect("run completes")
}

/// The exception `source` raised in a sandbox granted exactly `modules`.
#[track_caller]
fn exception_with_modules(modules: &[&str], source: &str) -> capy::PythonException {
    match run_with_modules(modules, source).error {
        Some(capy::RunError::Exception(exception)) => exception,
        other => panic!("expected a Python exception, got {other:?}"),
    }
}

/// Runs `source` under `policy` and returns its stdout, asserting success.
#[track_caller]
fn stdout_under(policy: &capy::Policy, source: &str) -> String {
    let outcome = engine()
        .sandbox()
        .policy(policy)
        .build()
        .expect("sandbox starts")
        .run(source)
        .expect("run completes");
    assert_eq!(outcome.error, None, "stderr: {}", outcome.stderr_text());
    outcome.stdout_text()
}

// ---------------------------------------------------------------------------
// One real use per module (the default sandbox grants every module).

/// json: parse, edit, dump (sorted, indented, ASCII or not), and a decode error with its position.
#[test]
fn a_json_document_round_trips() {
    let source = r#"
import json
doc = json.loads('{"name": "capy", "tags": ["a", "b"], "n": 1.5, "ok": true, "none": null}')
doc["tags"].append("c")
text = json.dumps(doc, sort_keys=True, indent=1)
print(text)
print(json.loads(text) == doc, json.dumps("é"), json.dumps("é", ensure_ascii=False))
try:
    json.loads("{bad")
except json.JSONDecodeError as e:
    print("JSONDecodeError:", e.msg, e.lineno, e.colno)
"#;
    let expected = r#"{
 "n": 1.5,
 "name": "capy",
 "none": null,
 "ok": true,
 "tags": [
  "a",
  "b",
  "c"
 ]
}
True "\u00e9" "é"
JSONDecodeError: Expecting property name enclosed in double quotes 1 2
"#;
    assert_eq!(stdout_of(source), expected);
}

/// re: named groups, findall, sub with backreferences, split, bytes patterns, flags.
#[test]
fn regular_expressions_match_with_groups() {
    let source = r#"
import re
m = re.match(r"(?P<user>[\w.]+)@(?P<host>[\w.]+)", "ada.l@example.org")
print(m.group("user"), m.group("host"), m.span(), m.groupdict())
print(re.findall(r"\d+", "a1b22c333"), re.sub(r"(\w+) (\w+)", r"\2 \1", "hello world"))
print(re.split(r"[,;]\s*", "a, b;c"), bool(re.fullmatch(rb"[a-f0-9]+", b"deadbeef")))
print(re.compile(r"^x", re.I | re.M).findall("X1\nx2"))
"#;
    let expected = r#"ada.l example.org (0, 17) {'user': 'ada.l', 'host': 'example.org'}
['1', '22', '333'] world hello
['a', 'b', 'c'] True
['X', 'x']
"#;
    assert_eq!(stdout_of(source), expected);
}

/// math and cmath.
#[test]
fn math_and_cmath_compute() {
    let source = r#"
import math, cmath
print(math.sqrt(2), math.isclose(math.pi, 3.14159, rel_tol=1e-5), math.gcd(12, 18), math.comb(10, 3))
print(math.factorial(20), math.floor(-2.5), math.inf > 1e308, math.isnan(math.nan))
print(cmath.sqrt(-4), cmath.exp(1j * math.pi).real, abs(cmath.phase(-1) - math.pi) < 1e-12)
"#;
    let expected = r#"1.4142135623730951 True 6 120
2432902008176640000 -3 True True
2j -1.0 True
"#;
    assert_eq!(stdout_of(source), expected);
}

/// random: `Random(42)` draws exactly CPython's numbers (Mersenne Twister, same seeding).
#[test]
fn a_seeded_random_generator_repeats_cpythons_sequence() {
    let source = r#"
import random
r = random.Random(42)
print(r.random(), r.randint(1, 100), r.choice("abcdef"), r.sample(range(10), 3))
deck = list(range(10)); r.shuffle(deck); print(deck)
print(0 <= random.random() < 1, len(random.randbytes(4)), random.SystemRandom().randrange(5) in range(5))
"#;
    let expected = r#"0.6394267984578837 4 f [4, 3, 8]
[7, 9, 5, 6, 0, 3, 4, 8, 1, 2]
True 4 True
"#;
    assert_eq!(stdout_of(source), expected);
}

/// datetime: arithmetic, time zones, strftime, strptime, fromisoformat.
#[test]
fn datetime_arithmetic_formatting_and_parsing() {
    let source = r#"
import datetime
d = datetime.date(2024, 2, 28) + datetime.timedelta(days=2)
print(d, d.isoformat(), d.weekday(), d.strftime("%A %d %B %Y"))
t = datetime.datetime(2024, 3, 10, 8, 30, tzinfo=datetime.timezone.utc)
print(t.isoformat(), (t - datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)).days)
print(datetime.datetime.strptime("2024-03-05 10:11", "%Y-%m-%d %H:%M"), datetime.datetime.fromisoformat("2024-01-02T03:04:05"))
print(t.astimezone(datetime.timezone(datetime.timedelta(hours=2))).hour, datetime.timedelta(hours=36))
"#;
    let expected = r#"2024-03-01 2024-03-01 4 Friday 01 March 2024
2024-03-10T08:30:00+00:00 69
2024-03-05 10:11:00 2024-01-02 03:04:05
10 1 day, 12:00:00
"#;
    assert_eq!(stdout_of(source), expected);
}

/// time: clocks and conversions; no `sleep`.
#[test]
fn time_is_a_clock_only() {
    let source = r#"
import time
t0 = time.monotonic(); t1 = time.monotonic()
print(time.time() > 1.7e9, t1 >= t0, time.gmtime(0).tm_year, time.strftime("%Y-%m-%d", time.gmtime(86400)))
print(time.strptime("2024-07-01", "%Y-%m-%d").tm_yday, hasattr(time, "sleep"))
"#;
    let expected = r#"True True 1970 1970-01-02
183 False
"#;
    assert_eq!(stdout_of(source), expected);
}

/// collections (and collections.abc).
#[test]
fn collections_counter_namedtuple_deque_and_friends() {
    let source = r#"
import collections
c = collections.Counter("mississippi"); print(c.most_common(2), c["s"])
Point = collections.namedtuple("Point", "x y", defaults=[0])
p = Point(1); print(p, p._replace(y=5), Point._make([3, 4]), p._asdict(), Point(y=2, x=1))
try:
    Point()
except TypeError as e:
    print("TypeError:", e)
dq = collections.deque([1, 2, 3], maxlen=3); dq.append(4); dq.appendleft(0); print(dq)
dd = collections.defaultdict(list); dd["k"].append(1); print(dict(dd), collections.ChainMap({"a": 1}, {"b": 2})["b"])
od = collections.OrderedDict(a=1, b=2); od.move_to_end("a"); print(list(od))
import collections.abc
print(isinstance({}, collections.abc.Mapping), issubclass(list, collections.abc.Sequence))
"#;
    let expected = r#"[('i', 4), ('s', 4)] 4
Point(x=1, y=0) Point(x=1, y=5) Point(x=3, y=4) {'x': 1, 'y': 0} Point(x=1, y=2)
TypeError: Point.__new__() missing 1 required positional argument: 'x'
deque([0, 2, 3], maxlen=3)
{'k': [1]} 2
['b', 'a']
True True
"#;
    assert_eq!(stdout_of(source), expected);
}

/// itertools, functools (lru_cache, total_ordering, cmp_to_key) and operator.
#[test]
fn itertools_functools_and_operator() {
    let source = r#"
import itertools, functools, operator
print(list(itertools.permutations("abc", 2))[:3], list(itertools.accumulate([1, 2, 3, 4], operator.mul)))
print(list(itertools.islice(itertools.count(10, 5), 3)), [k for k, _ in itertools.groupby("aabbbc")], list(itertools.chain.from_iterable([[1], [2, 3]])))
@functools.lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
print(fib(80), fib.cache_info().hits > 0, functools.reduce(operator.add, range(5)), functools.partial(int, base=16)("ff"))
@functools.total_ordering
class V:
    def __init__(self, v): self.v = v
    def __eq__(self, o): return self.v == o.v
    def __lt__(self, o): return self.v < o.v
print(V(1) <= V(2), sorted([3, 1, 2], key=functools.cmp_to_key(lambda a, b: b - a)), operator.itemgetter(1, 0)("ab"))
"#;
    let expected = r#"[('a', 'b'), ('a', 'c'), ('b', 'a')] [1, 2, 6, 24]
[10, 15, 20] ['a', 'b', 'c'] [1, 2, 3]
23416728348467685 True 10 255
True [3, 2, 1] ('b', 'a')
"#;
    assert_eq!(stdout_of(source), expected);
}

/// string, textwrap, difflib and pprint.
#[test]
fn string_textwrap_difflib_and_pprint() {
    let source = r#"
import string, textwrap, difflib, pprint
print(string.Template("$who likes $what").substitute(who="tim", what="pie"), string.ascii_letters[:3], string.capwords("hello  world"))
print(string.Formatter().format("{0}-{x}", 1, x=2))
print(textwrap.wrap("The quick brown fox jumps over the lazy dog", 15), repr(textwrap.dedent("  a\n    b")), textwrap.shorten("Hello world, again", 12))
print("".join(difflib.unified_diff(["a\n", "b\n"], ["a\n", "c\n"], "old", "new")), end="")
print(difflib.get_close_matches("appel", ["ape", "apple", "peach"]), round(difflib.SequenceMatcher(None, "abcd", "abed").ratio(), 2))
pprint.pprint({"k%d" % i: list(range(i)) for i in range(6)}, width=30)
"#;
    let expected = r#"tim likes pie abc Hello World
1-2
['The quick brown', 'fox jumps over', 'the lazy dog'] 'a\n  b' Hello [...]
--- old
+++ new
@@ -1,2 +1,2 @@
 a
-b
+c
['apple', 'ape'] 0.75
{'k0': [],
 'k1': [0],
 'k2': [0, 1],
 'k3': [0, 1, 2],
 'k4': [0, 1, 2, 3],
 'k5': [0, 1, 2, 3, 4]}
"#;
    assert_eq!(stdout_of(source), expected);
}

/// statistics, decimal (contexts included) and fractions.
#[test]
fn statistics_decimal_and_fractions() {
    let source = r#"
import statistics, decimal, fractions
print(statistics.mean([1, 2, 3, 4]), statistics.median([3, 1, 2]), round(statistics.stdev([1, 2, 3, 4]), 6), statistics.mode("aab"))
D = decimal.Decimal
print(D("0.1") + D("0.2"), D(1) / D(7), D("1.005").quantize(D("0.01"), rounding=decimal.ROUND_HALF_UP))
with decimal.localcontext() as ctx:
    ctx.prec = 50
    print(D(2).sqrt())
F = fractions.Fraction
print(F(1, 3) + F(1, 6), F("0.75"), F(3.5), F(1, 3).limit_denominator(2))
"#;
    let expected = r#"2.5 2 1.290994 a
0.3 0.1428571428571428571428571429 1.01
1.4142135623730950488016887242096980785696718753769
1/2 3/4 7/2 1/2
"#;
    assert_eq!(stdout_of(source), expected);
}

/// heapq, bisect and copy (deep copies of cycles included).
#[test]
fn heapq_bisect_and_copy() {
    let source = r#"
import heapq, bisect, copy
h = [5, 1, 4, 2]; heapq.heapify(h); print(heapq.heappop(h), heapq.nlargest(2, [1, 9, 3, 7]), list(heapq.merge([1, 4], [2, 3])))
a = [1, 3, 5]; bisect.insort(a, 4); print(a, bisect.bisect_left(a, 3), bisect.bisect_right(a, 3))
x = {"a": [1, 2], "b": {"c": 3}}; y = copy.deepcopy(x); y["a"].append(9); y["b"]["c"] = 0
print(x, y, copy.copy([1, [2]]))
class Node:
    def __init__(self): self.me = self
n = copy.deepcopy(Node()); print(n.me is n)
"#;
    let expected = r#"1 [9, 7] [1, 2, 3, 4]
[1, 3, 4, 5] 1 2
{'a': [1, 2], 'b': {'c': 3}} {'a': [1, 2, 9], 'b': {'c': 0}} [1, [2]]
True
"#;
    assert_eq!(stdout_of(source), expected);
}

/// dataclasses: order, frozen, factories, InitVar and __post_init__, slots, kw_only, make_dataclass, and CPython's error messages, all without exec.
#[test]
fn dataclasses_generate_their_methods() {
    let source = r#"
import dataclasses
from dataclasses import dataclass, field
@dataclass(order=True, frozen=True)
class Version:
    major: int
    minor: int = 0
    notes: list = field(default_factory=list, compare=False)
v = Version(1, 2)
print(v, v == Version(1, 2), v < Version(1, 10), hash(v) == hash(Version(1, 2)), sorted([Version(2), v]))
print(dataclasses.asdict(v), dataclasses.astuple(v), dataclasses.replace(v, minor=5), [f.name for f in dataclasses.fields(v)])
try:
    v.major = 3
except dataclasses.FrozenInstanceError as e:
    print("FrozenInstanceError:", e)
for args in [(), (1, 2, [], 4)]:
    try:
        Version(*args)
    except TypeError as e:
        print("TypeError:", e)
@dataclass
class Account:
    owner: str
    rate: dataclasses.InitVar[float] = 1.0
    balance: float = field(init=False, default=0.0)
    def __post_init__(self, rate):
        self.balance = 100 * rate
print(Account("ada", 2.5), Account(owner="bob"))
@dataclass(slots=True, kw_only=True)
class Opts:
    level: int
    name: str = "x"
print(Opts(level=3), Opts.__slots__, hasattr(Opts(level=1), "__dict__"))
P = dataclasses.make_dataclass("P", [("x", int), ("y", int, field(default=0))])
print(P(1), dataclasses.is_dataclass(P))
"#;
    let expected = r#"Version(major=1, minor=2, notes=[]) True True True [Version(major=1, minor=2, notes=[]), Version(major=2, minor=0, notes=[])]
{'major': 1, 'minor': 2, 'notes': []} (1, 2, []) Version(major=1, minor=5, notes=[]) ['major', 'minor', 'notes']
FrozenInstanceError: cannot assign to field 'major'
TypeError: Version.__init__() missing 1 required positional argument: 'major'
TypeError: Version.__init__() takes from 2 to 4 positional arguments but 5 were given
Account(owner='ada', balance=250.0) Account(owner='bob', balance=100.0)
Opts(level=3, name='x') ('level', 'name') False
P(x=1, y=0) True
"#;
    assert_eq!(stdout_of(source), expected);
}

/// enum (Enum, auto, IntFlag) and typing (generics, NamedTuple, TypedDict, runtime protocols).
#[test]
fn enum_and_typing() {
    let source = r#"
import enum, typing
class Color(enum.Enum):
    RED = 1
    GREEN = enum.auto()
class Perm(enum.IntFlag):
    R = 4
    W = 2
    X = 1
print(Color.RED, Color(2), Color["GREEN"].value, list(Color), Perm.R | Perm.W, (Perm.R | Perm.W).value, Perm.R in (Perm.R | Perm.X))
T = typing.TypeVar("T")
def first(xs: typing.List[T]) -> typing.Optional[T]:
    return xs[0] if xs else None
print(first([7]), typing.get_type_hints(first)["xs"], typing.get_origin(typing.List[int]), typing.get_args(typing.Dict[str, int]))
class Row(typing.NamedTuple):
    id: int
    label: str = "?"
class Movie(typing.TypedDict):
    title: str
@typing.runtime_checkable
class Closable(typing.Protocol):
    def close(self) -> None: ...
class F:
    def close(self): pass
print(Row(1), Row(2, "b")._asdict(), Movie(title="x"), isinstance(F(), Closable), typing.cast(int, "s"))
"#;
    let expected = r#"Color.RED Color.GREEN 2 [<Color.RED: 1>, <Color.GREEN: 2>] 6 6 True
7 typing.List[~T] <class 'list'> (<class 'str'>, <class 'int'>)
Row(id=1, label='?') {'id': 2, 'label': 'b'} {'title': 'x'} True s
"#;
    assert_eq!(stdout_of(source), expected);
}

/// base64, binascii, struct, zlib, hmac and hashlib.
#[test]
fn binary_encodings_checksums_and_digests() {
    let source = r#"
import base64, binascii, struct, zlib, hmac, hashlib
print(base64.b64encode(b"hello"), base64.b64decode("aGVsbG8="), base64.urlsafe_b64encode(b"\xff\xfe"), base64.b32encode(b"ab"), base64.b16decode("4142"))
print(binascii.hexlify(b"\x01\xff"), binascii.unhexlify("41"), binascii.crc32(b"abc"))
print(struct.pack("<IhB", 1, -2, 3), struct.unpack(">HI", b"\x01\x02\x00\x00\x00\x05"), struct.calcsize("<qd"), struct.Struct("<2s").unpack(b"ok"))
data = b"capy " * 200; packed = zlib.compress(data, 9)
print(len(packed) < 40, zlib.decompress(packed) == data, zlib.crc32(b"abc"), zlib.adler32(b"abc"))
print(hmac.new(b"key", b"msg", "sha256").hexdigest(), hmac.compare_digest(b"a", b"a"), hmac.new(b"k", b"m", hashlib.sha1).hexdigest())
print(hashlib.md5(b"abc").hexdigest(), hashlib.sha1(b"abc").hexdigest(), hashlib.sha512(b"abc").hexdigest()[:16], hashlib.sha3_256(b"abc").hexdigest()[:16], hashlib.blake2b(b"abc").hexdigest()[:16], hashlib.new("sha224", b"abc").hexdigest()[:16])
"#;
    let expected = r#"b'aGVsbG8=' b'hello' b'__4=' b'MFRA====' b'AB'
b'01ff' b'A' 891568578
b'\x01\x00\x00\x00\xfe\xff\x03' (258, 5) 16 (b'ok',)
True True 891568578 38600999
2d93cbc1be167bcb1637a4a23cbff01a7878f0c50ee833954ea5221bb1b8c628 True 772b71c8a2997e768be01d9711e4a4f34a24ef33
900150983cd24fb0d6963f7d28e17f72 a9993e364706816aba3e25717850c26c9cd0d89d ddaf35a193617aba 3a985da74fe225b2 ba80a53f981c4d0d 23097d223405d822
"#;
    assert_eq!(stdout_of(source), expected);
}

/// uuid (random and name-based) and unicodedata.
#[test]
fn uuid_and_unicodedata() {
    let source = r#"
import uuid, unicodedata
u = uuid.uuid4(); print(u.version, u.variant, len(str(u)), uuid.UUID(str(u)) == u)
print(uuid.uuid5(uuid.NAMESPACE_DNS, "python.org"), uuid.uuid3(uuid.NAMESPACE_URL, "x"), uuid.UUID("12345678123456781234567812345678").hex, uuid.uuid1().version)
print(unicodedata.name("é"), unicodedata.lookup("GREEK SMALL LETTER ALPHA"), unicodedata.normalize("NFD", "é").encode(), unicodedata.category("A"), unicodedata.numeric("½"))
"#;
    let expected = r#"4 specified in RFC 4122 36 True
886313e1-3b8a-5372-9b90-0c9aee199e5d 60a7f89c-e446-309c-8b4f-460bfdfd0dee 12345678123456781234567812345678 1
LATIN SMALL LETTER E WITH ACUTE α b'e\xcc\x81' Lu 0.5
"#;
    assert_eq!(stdout_of(source), expected);
}

/// hashlib over bytes read from a granted file, in one call and in chunks.
#[test]
fn hashlib_digests_a_granted_file() {
    let tree = Tree::new();
    let source = r#"
import hashlib
blob = (data / "a.txt").read_bytes()
h = hashlib.sha256()
with (data / "a.txt").open("rb") as f:
    for chunk in iter(lambda: f.read(4), b""):
        h.update(chunk)
print(hashlib.sha256(blob).hexdigest() == h.hexdigest(), h.hexdigest())
"#;
    // sha256 of "alpha\nbeta\ngamma\n", as `sha256sum` prints it.
    assert_eq!(
        granted_stdout(&tree, source),
        "True 4fdbc441ea7b546100e086ac1e4fc5ae6749b7314311c99db05be450eca12996\n"
    );
}

/// csv reads and writes through granted files (the module opens nothing
/// itself).
#[test]
fn csv_reads_and_writes_granted_files() {
    let tree = Tree::new();
    tree.file("grant/people.csv", "name,age\nada,36\n\"lovelace, a\",37\n");
    let source = r#"
import csv
with (data / "people.csv").open(newline="") as f:
    rows = list(csv.DictReader(f))
print(rows)
with (out / "ages.csv").open("w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["name", "next"])
    for row in rows:
        writer.writerow([row["name"], int(row["age"]) + 1])
print(csv.Sniffer().sniff("a;b\n1;2\n").delimiter)
"#;
    assert_eq!(
        granted_stdout(&tree, source),
        "[{'name': 'ada', 'age': '36'}, {'name': 'lovelace, a', 'age': '37'}]\n;\n"
    );
    assert_eq!(
        tree.read("grant/ages.csv"),
        "name,next\r\nada,37\r\n\"lovelace, a\",38\r\n"
    );
}

// ---------------------------------------------------------------------------
// Which modules a script may import.

#[test]
fn a_module_outside_the_grant_is_refused_by_name() {
    let exception = exception_with_modules(&["json"], "import re");
    assert_eq!(exception.type_name, "ModuleNotFoundError");
    assert_eq!(
        exception.message,
        "module 're' is not granted to this sandbox"
    );
    let exception = exception_with_modules(&["json"], "from collections import Counter");
    assert_eq!(
        exception.message,
        "module 'collections' is not granted to this sandbox"
    );
}

#[test]
fn granted_modules_use_ungranted_ones_internally() {
    // json needs re; granting json alone is enough, and re stays refused
    // to the script itself.
    let outcome = run_with_modules(
        &["json"],
        "import json\nprint(json.dumps({'a': 1}))\ntry:\n    import re\nexcept ImportError as e:\n    print(e)\n",
    );
    assert_eq!(outcome.error, None, "{}", outcome.stderr_text());
    assert_eq!(
        outcome.stdout_text(),
        "{\"a\": 1}\nmodule 're' is not granted to this sandbox\n"
    );
}

#[test]
fn no_modules_means_no_imports() {
    let exception = exception_with_modules(&[], "import math");
    assert_eq!(
        exception.message,
        "module 'math' is not granted to this sandbox"
    );
}

/// Every sandbox starts from a snapshot with the whole catalog loaded; an
/// ungranted module must still be out of reach, not just out of `import`.
#[test]
fn an_ungranted_module_cannot_be_found_through_the_class_tree() {
    let walk = r#"
stack, seen, modules = [object], set(), set()
while stack:
    cls = stack.pop()
    if id(cls) in seen:
        continue
    seen.add(id(cls))
    modules.add(getattr(cls, "__module__", "?"))
    stack.extend(type.__subclasses__(cls))
print(sorted(m for m in modules if m in ("json", "json.decoder", "re", "decimal", "_pydecimal", "random", "dataclasses", "struct", "collections", "enum")))
"#;
    let outcome = run_with_modules(&[], walk);
    assert_eq!(outcome.error, None, "stderr: {}", outcome.stderr_text());
    assert_eq!(outcome.stdout_text(), "[]\n");
    // A class the script makes from a granted module's class is its own.
    let outcome = run_with_modules(
        &["json"],
        "import json\nclass Mine(json.JSONDecoder): pass\nprint(Mine in json.JSONDecoder.__subclasses__())\n",
    );
    assert_eq!(
        outcome.stdout_text(),
        "True\n",
        "stderr: {}",
        outcome.stderr_text()
    );
}

#[test]
fn a_policy_file_grants_modules() {
    let dir = tempfile::tempdir().unwrap();
    let policy = capy::Policy::from_toml_str("modules = [\"math\", \"json\"]\n", dir.path())
        .expect("policy parses");
    assert_eq!(
        stdout_under(
            &policy,
            "import math, json\nprint(json.dumps(math.floor(2.5)))\n"
        ),
        "2\n"
    );
    let outcome = engine()
        .sandbox()
        .policy(&policy)
        .build()
        .unwrap()
        .run("import random")
        .unwrap();
    assert!(
        matches!(&outcome.error, Some(capy::RunError::Exception(e)) if e.message == "module 'random' is not granted to this sandbox"),
        "{:?}",
        outcome.error
    );
}

#[test]
fn every_spelling_of_import_binds_the_same_module() {
    let source = r#"
import json
import json as j2
import json.decoder
from json import decoder, loads
from json.decoder import JSONDecodeError
import collections.abc
print(json is j2, decoder is json.decoder, loads is json.loads, JSONDecodeError is json.JSONDecodeError)
print(collections.abc.Mapping.__name__)
"#;
    assert_eq!(stdout_of(source), "True True True True\nMapping\n");
}

#[test]
fn submodules_outside_the_catalog_do_not_exist() {
    let exception = exception_of("import json.tool");
    assert_eq!(exception.type_name, "ModuleNotFoundError");
    assert_eq!(exception.message, "No module named 'json.tool'");
}

#[test]
fn internal_modules_are_not_importable_by_scripts() {
    // The stand-ins and helpers the catalog's own code imports.
    for name in [
        "os",
        "builtins",
        "_thread",
        "_strptime",
        "locale",
        "inspect",
        "_capy_stack",
        "_io",
        "_codecs",
        "_capy_codecs",
    ] {
        let exception = exception_of(&format!("import {name}"));
        assert_eq!(exception.type_name, "ModuleNotFoundError", "{name}");
        assert_eq!(
            exception.message,
            format!("module '{name}' is not available in the sandbox"),
        );
    }
}

#[test]
fn library_stand_ins_are_out_of_a_scripts_reach() {
    // The stand-ins `random` and `dataclasses` import (`os`, `sys`) are
    // private names of those modules, which a script's view leaves out.
    let source = r#"
import time, random, dataclasses
print(hasattr(time, "sleep"), hasattr(random, "_os"), hasattr(dataclasses, "sys"))
print(random.Random(1).random() == random.Random(1).random())
"#;
    assert_eq!(stdout_of(source), "False False False\nTrue\n");
}

// ---------------------------------------------------------------------------
// Deterministic mode.

#[test]
fn a_policy_seed_seeds_random_as_random_seed_does() {
    // CPython: random.seed(42); random.random() -> 0.6394267984578837
    let policy = capy::Policy {
        determinism: capy::Determinism {
            random_seed: Some(42),
            clock: None,
        },
        ..capy::Policy::default()
    };
    assert_eq!(
        stdout_under(
            &policy,
            "import random\nprint(random.random(), random.randint(1, 6))\n"
        ),
        "0.6394267984578837 1\n"
    );
}

#[test]
fn without_a_seed_every_sandbox_draws_its_own_numbers() {
    let draw = || stdout_of("import random, uuid\nprint(random.random(), uuid.uuid4())\n");
    assert_ne!(draw(), draw());
}

#[test]
fn a_fixed_clock_is_what_time_and_datetime_read() {
    let policy = capy::Policy {
        determinism: capy::Determinism {
            random_seed: None,
            // 2024-02-29T12:00:00Z
            clock: Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_709_208_000)),
        },
        ..capy::Policy::default()
    };
    let source = r#"
import time, datetime
t0 = time.monotonic()
print(time.time(), datetime.datetime.now(datetime.timezone.utc).isoformat())
print(datetime.date.today(), time.strftime("%Y-%m-%d %H:%M", time.localtime()), time.monotonic() - t0)
"#;
    assert_eq!(
        stdout_under(&policy, source),
        "1709208000.0 2024-02-29T12:00:00+00:00\n2024-02-29 2024-02-29 12:00 0.0\n"
    );
}

// ---------------------------------------------------------------------------
// The modules added for issue 20: each does its real job (expected outputs
// are CPython 3.11's for the same scripts).

#[test]
fn future_annotations_keep_annotations_as_strings() {
    assert_eq!(
        stdout_of(
            "from __future__ import annotations\nimport __future__\n\
             def f(x: Undefined) -> AlsoUndefined: return x\n\
             print(f.__annotations__, __future__.annotations.compiler_flag > 0)\n"
        ),
        "{'x': 'Undefined', 'return': 'AlsoUndefined'} True\n"
    );
}

#[test]
fn contextlib_managers_work_and_redirect_stdout_captures_print() {
    let source = "import contextlib\n\
        @contextlib.contextmanager\n\
        def tag(name):\n    print(f'<{name}>'); yield name; print(f'</{name}>')\n\
        with tag('a'), contextlib.suppress(KeyError):\n    {}['x']\n\
        with contextlib.ExitStack() as stack:\n\
        \x20   stack.callback(print, 'exit stack ran')\n\
        \x20   stack.enter_context(contextlib.nullcontext())\n\
        class W:\n    def __init__(self): self.parts = []\n\
        \x20   def write(self, s): self.parts.append(s)\n    def flush(self): pass\n\
        w = W()\n\
        with contextlib.redirect_stdout(w):\n    print('hidden')\n\
        print('captured:', w.parts)\n\
        with contextlib.redirect_stderr(w):\n    pass\n\
        print('after')\n";
    assert_eq!(
        stdout_of(source),
        "<a>\n</a>\nexit stack ran\ncaptured: ['hidden', '\\n']\nafter\n"
    );
}

#[test]
fn abc_numbers_and_types_behave_as_in_cpython() {
    let source = "import abc, numbers, types\n\
        class Shape(abc.ABC):\n    @abc.abstractmethod\n    def area(self): ...\n\
        try:\n    Shape()\nexcept TypeError as e:\n    print('abstract' in str(e))\n\
        print(isinstance(3, numbers.Integral), isinstance(3.0, numbers.Rational),\n\
        \x20     issubclass(complex, numbers.Complex))\n\
        ns = types.SimpleNamespace(a=1)\nprint(ns, types.MappingProxyType({'k': 1})['k'])\n\
        C = types.new_class('C', (), {})\nprint(C.__name__, isinstance(print, types.BuiltinFunctionType))\n\
        try:\n    types.CodeType(*([0] * 16))\nexcept TypeError:\n    print('no code from parts')\n";
    assert_eq!(
        stdout_of(source),
        "True\nTrue False True\nnamespace(a=1) 1\nC True\nno code from parts\n"
    );
}

#[test]
fn small_pure_modules_work() {
    let source = "import colorsys, copyreg, graphlib, keyword, reprlib, weakref\n\
        print([round(c, 3) for c in colorsys.rgb_to_hsv(0.2, 0.4, 0.4)])\n\
        class P:\n    def __init__(self, x): self.x = x\n\
        copyreg.pickle(P, lambda p: (P, (p.x,)))\nprint(copyreg.dispatch_table[P](P(3))[1])\n\
        print(list(graphlib.TopologicalSorter({'b': {'a'}, 'c': {'b'}}).static_order()))\n\
        print(keyword.iskeyword('lambda'), keyword.iskeyword('print'))\n\
        print(reprlib.repr(list(range(100))))\n\
        class Obj: pass\n\
        o = Obj(); r = weakref.ref(o); d = weakref.WeakValueDictionary(); d['o'] = o\n\
        print(r() is o, len(d))\ndel o\nprint(r(), len(d))\n";
    assert_eq!(
        stdout_of(source),
        "[0.5, 0.5, 0.4]\n(3,)\n['a', 'b', 'c']\nTrue False\n[0, 1, 2, 3, 4, 5, ...]\nTrue 1\nNone 0\n"
    );
}

/// array (0.6.0's native module) and ipaddress: typed buffers and network
/// arithmetic, with CPython's errors.
#[test]
fn array_and_ipaddress() {
    let source = r#"
import array, ipaddress
a = array.array('i', [3, 1, 2])
a.append(10); a.extend([7]); a.reverse()
print(a, a.itemsize, a.tolist(), sum(a), a.tobytes()[:4])
b = array.array('d'); b.frombytes(array.array('d', [1.5, 2.5]).tobytes()); print(b, b.typecode)
try:
    array.array('q', [2**63])
except OverflowError as e:
    print('OverflowError')
net = ipaddress.ip_network('192.168.0.0/30')
print([str(h) for h in net.hosts()], net.num_addresses, net.broadcast_address)
print(ipaddress.ip_address('10.0.0.1') in ipaddress.ip_network('10.0.0.0/8'), ipaddress.ip_address('::1').is_loopback)
print(ipaddress.IPv6Address('2001:db8::1').exploded, ipaddress.ip_interface('10.1.2.3/24').network)
try:
    ipaddress.ip_address('300.1.1.1')
except ValueError as e:
    print('ValueError', e)
"#;
    assert_eq!(
        stdout_of(source),
        "array('i', [7, 10, 2, 1, 3]) 4 [7, 10, 2, 1, 3] 23 b'\\x07\\x00\\x00\\x00'\n\
         array('d', [1.5, 2.5]) d\nOverflowError\n\
         ['192.168.0.1', '192.168.0.2'] 4 192.168.0.3\nTrue True\n\
         2001:0db8:0000:0000:0000:0000:0000:0001 10.1.2.0/24\n\
         ValueError '300.1.1.1' does not appear to be an IPv4 or IPv6 address\n"
    );
}

/// html (escaping and a parser subclass), shlex, fnmatch and tomllib: the
/// text formats a plugin reads and writes.
#[test]
fn html_shlex_fnmatch_and_tomllib() {
    let source = r#"
import html, shlex, fnmatch, tomllib
from html.parser import HTMLParser
print(html.escape('<a href="x">&</a>'), html.unescape('&lt;b&gt; &amp; &eacute; &#x41;'))
class Links(HTMLParser):
    def __init__(self):
        super().__init__(); self.found = []
    def handle_starttag(self, tag, attrs):
        if tag == 'a': self.found.append(dict(attrs)['href'])
p = Links(); p.feed('<p>Go <a href="/one">1</a> and <A HREF="/two">2</a></p>'); print(p.found)
print(shlex.split('cp "my file.txt" dest\\ dir --flag=\'a b\''), shlex.quote("it's"), shlex.join(['a b', 'c']))
lex = shlex.shlex('a=1; b="two words"', posix=True, punctuation_chars=True)
print(list(lex))
print(fnmatch.fnmatch('report.TXT', '*.txt'), fnmatch.fnmatchcase('report.TXT', '*.txt'), fnmatch.filter(['a.py', 'b.rs', 'c.py'], '*.py'), fnmatch.translate('*.p[yw]'))
doc = tomllib.loads('''
title = "capy"
[owner]
name = "Tom"
dob = 1979-05-27T07:32:00-08:00
[[fruit]]
name = "apple"
sizes = [1, 2.5, 0x10]
''')
print(doc['title'], doc['owner']['dob'].isoformat(), doc['fruit'])
try:
    tomllib.loads('x = ')
except tomllib.TOMLDecodeError as e:
    print('TOMLDecodeError', e)
"#;
    assert_eq!(
        stdout_of(source),
        "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt; <b> & \u{e9} A\n['/one', '/two']\n\
         ['cp', 'my file.txt', 'dest dir', '--flag=a b'] 'it'\"'\"'s' 'a b' c\n\
         ['a=1', ';', 'b=two words']\n\
         False False ['a.py', 'c.py'] (?s:.*\\.p[yw])\\Z\n\
         capy 1979-05-27T07:32:00-08:00 [{'name': 'apple', 'sizes': [1, 2.5, 16]}]\n\
         TOMLDecodeError Invalid value (at end of document)\n"
    );
    // What differs: shlex cannot source files, and reads the empty stdin.
    let source = "import shlex\nprint(list(shlex.shlex()))\n\
        lex = shlex.shlex('include other', posix=True)\nlex.source = 'include'\n\
        try:\n    list(lex)\nexcept OSError as e:\n    print(type(e).__name__, e)\n";
    assert_eq!(
        stdout_of(source),
        "[]\nOSError shlex cannot source 'other': the sandbox opens no files\n"
    );
}

/// secrets draws from the sandbox's randomness: tokens of the right shape,
/// fresh per sandbox, and repeating under a fixed seed.
#[test]
fn secrets_follow_the_sandboxs_randomness() {
    let source = r#"
import secrets
t = secrets.token_hex(16); u = secrets.token_urlsafe(16); b = secrets.token_bytes(8)
print(len(t), all(c in '0123456789abcdef' for c in t), len(b), isinstance(u, str))
print(secrets.compare_digest(b'abc', b'abc'), secrets.compare_digest('a', 'b'), 0 <= secrets.randbelow(10) < 10, secrets.choice('xyz') in 'xyz', secrets.randbits(8) < 256)
print(t)
"#;
    let unseeded = stdout_of(source);
    assert!(
        unseeded.starts_with("32 True 8 True\nTrue False True True True\n"),
        "{unseeded}"
    );
    assert_ne!(unseeded, stdout_of(source), "a fresh token per sandbox");
    let seeded = capy::Policy {
        determinism: capy::Determinism {
            random_seed: Some(7),
            clock: None,
        },
        ..capy::Policy::default()
    };
    assert_eq!(stdout_under(&seeded, source), stdout_under(&seeded, source));
}

/// Issue 20: a NamedTuple with string annotations (or under `from
/// __future__ import annotations`, as `tomllib` has) needs `compile` in
/// catalog code; and names `typing` makes on demand (`ForwardRef`,
/// `Pattern`, `Match`) are in the script's view of it.
#[test]
fn named_tuples_with_string_annotations_and_typings_lazy_names() {
    let source = r#"
from __future__ import annotations
import typing
from typing import NamedTuple, ForwardRef, Pattern, Match
import re
class Point(NamedTuple):
    x: int
    parent: Point | None = None
print(Point(1, Point(2)), Point.__annotations__)
Pair = NamedTuple("Pair", [("left", "Point"), ("right", "int")])
print(Pair(Point(0), 3), ForwardRef("int"))
print(isinstance(re.compile("a"), Pattern), Match[str])
"#;
    assert_eq!(
        stdout_of(source),
        "Point(x=1, parent=Point(x=2, parent=None)) {'x': ForwardRef('int'), 'parent': ForwardRef('Point | None')}\n\
         Pair(left=Point(x=0, parent=None), right=3) ForwardRef('int')\n\
         True typing.Match[str]\n"
    );
}

/// warnings (CPython 3.13's module over a native helper that names the
/// caller's place without frames) and urllib.parse.
#[test]
fn warnings_and_urllib_parse() {
    let source = r#"
import warnings
from urllib.parse import urlparse, urlencode, parse_qs, quote, unquote, urljoin, urlunsplit, urlsplit
def old():
    warnings.warn("old() is deprecated", DeprecationWarning, stacklevel=2)
    return 1
old()
warnings.warn("plain")
warnings.warn("plain")          # shown again: another line
for _ in range(3):
    warnings.warn("loop")       # once per place
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    warnings.warn("recorded", UserWarning)
    old()
print([(w.category.__name__, str(w.message), w.lineno) for w in caught])
warnings.filterwarnings("error", category=RuntimeWarning)
try:
    warnings.warn("boom", RuntimeWarning)
except RuntimeWarning as e:
    print("raised", e)
warnings.resetwarnings()
warnings.simplefilter("ignore")
warnings.warn("silent")
print(warnings.formatwarning("msg", UserWarning, "f.py", 3).strip())
u = urlparse("https://user@example.com:8080/a/b;p?q=1&r=two#frag")
print(u.scheme, u.netloc, u.hostname, u.port, u.path, u.params, u.query, u.fragment)
print(urlencode({"a": 1, "b": "x y"}), parse_qs("a=1&a=2&b=3"), quote("a b/c"), unquote("a%20b"))
print(urljoin("http://x/a/b/c", "../d"), urlunsplit(urlsplit("HTTP://X/Y")))
try:
    urlsplit("http://[::1")
except ValueError as e:
    print("ValueError", e)
"#;
    let outcome = engine().sandbox().build().unwrap().run(source).unwrap();
    assert_eq!(outcome.error, None, "{}", outcome.stderr_text());
    assert_eq!(
        outcome.stdout_text(),
        "[('UserWarning', 'recorded', 14), ('DeprecationWarning', 'old() is deprecated', 15)]\n\
         raised boom\nf.py:3: UserWarning: msg\n\
         https user@example.com:8080 example.com 8080 /a/b p q=1&r=two frag\n\
         a=1&b=x+y {'a': ['1', '2'], 'b': ['3']} a%20b/c a b\n\
         http://x/a/d http://X/Y\nValueError Invalid IPv6 URL\n"
    );
    // Where CPython names the script's path, the sandbox names `<script>`.
    assert_eq!(
        outcome.stderr_text(),
        "<script>:7: DeprecationWarning: old() is deprecated\n  old()\n\
         <script>:8: UserWarning: plain\n  warnings.warn(\"plain\")\n\
         <script>:9: UserWarning: plain\n  warnings.warn(\"plain\")          # shown again: another line\n\
         <script>:11: UserWarning: loop\n  warnings.warn(\"loop\")       # once per place\n"
    );
    // A stacklevel past the stack names `<sys>` at once, as CPython 3.13
    // does, however large; one too large for an index is OverflowError.
    let source = "import warnings\nwarnings.warn('far', stacklevel=10**18)\n\
        try:\n    warnings.warn('too far', stacklevel=10**30)\nexcept OverflowError:\n    print('OverflowError')\n";
    let outcome = engine().sandbox().build().unwrap().run(source).unwrap();
    assert_eq!(outcome.error, None, "{}", outcome.stderr_text());
    assert_eq!(outcome.stdout_text(), "OverflowError\n");
    assert_eq!(outcome.stderr_text(), "<sys>:0: UserWarning: far\n");
}

/// traceback: formatting the script's exceptions (chains, captured
/// locals) and its own stack, with source lines, as CPython does.
#[test]
fn traceback_formats_exceptions_and_stacks() {
    let source = r#"
import traceback, json
def inner():
    raise ValueError("bad value")
def outer():
    inner()
try:
    outer()
except ValueError:
    text = traceback.format_exc()
print(text)
try:
    json.loads("{")
except json.JSONDecodeError as e:
    te = traceback.TracebackException.from_exception(e)
    print("".join(te.format_exception_only()), end="")
    print([f.name for f in te.stack])
try:
    try:
        1 / 0
    except ZeroDivisionError as e:
        raise KeyError("k") from e
except KeyError as e:
    lines = traceback.format_exception(e)
    print("".join(lines).count("Traceback"), lines[-1], end="")
def where():
    return traceback.extract_stack()
st = where()
print([(f.name, f.lineno, f.line) for f in st][-2:])
traceback.print_exception(ValueError("printed"))
print(traceback.format_exception_only(TypeError, TypeError("t")))
def show_locals():
    x = 41
    try:
        raise RuntimeError("r")
    except RuntimeError as e:
        return traceback.TracebackException.from_exception(e, capture_locals=True).stack[-1].locals
print(show_locals())
"#;
    let outcome = engine().sandbox().build().unwrap().run(source).unwrap();
    assert_eq!(outcome.error, None, "{}", outcome.stderr_text());
    assert_eq!(
        outcome.stdout_text(),
        "Traceback (most recent call last):\n  File \"<script>\", line 8, in <module>\n    outer()\n\
         \x20 File \"<script>\", line 6, in outer\n    inner()\n\
         \x20 File \"<script>\", line 4, in inner\n    raise ValueError(\"bad value\")\n\
         ValueError: bad value\n\n\
         json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)\n\
         ['<module>', 'loads', 'decode', 'raw_decode']\n\
         2 KeyError: 'k'\n\
         [('<module>', 28, 'st = where()'), ('where', 27, 'return traceback.extract_stack()')]\n\
         ['TypeError: t\\n']\n\
         {'x': '41', 'e': \"RuntimeError('r')\"}\n"
    );
    assert_eq!(outcome.stderr_text(), "ValueError: printed\n");
}

/// logging: loggers, handlers, formatters (caller's function and line
/// included), filters and the last-resort handler, to the sandbox's
/// streams, a StringIO or a granted file.
#[test]
fn logging_to_streams_buffers_and_granted_files() {
    let source = r#"
import logging, io
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(funcName)s:%(lineno)d %(message)s")
log = logging.getLogger("plugin")
def work(n):
    log.info("working on %d", n)
    log.debug("hidden")
    return n * 2
work(3)
log.warning("careful")
try:
    1 / 0
except ZeroDivisionError:
    log.exception("failed")
buf = io.StringIO()
h = logging.StreamHandler(buf)
h.setFormatter(logging.Formatter("[%(levelname)s] %(module)s %(filename)s %(message)s"))
child = logging.getLogger("plugin.child")
child.addHandler(h)
child.error("to the buffer %s", "too")
print(buf.getvalue(), end="")
print(logging.getLevelName(logging.WARNING), child.getEffectiveLevel(), child.parent.name)
logging.getLogger("quiet").propagate = False
logging.getLogger("quiet").error("nowhere? goes to lastResort")
class Up(logging.Filter):
    def filter(self, record):
        record.msg = record.msg.upper(); return True
child.addFilter(Up())
child.error("filtered")
print(buf.getvalue().splitlines()[-1])
log.info("with stack", stack_info=True)
"#;
    let outcome = engine().sandbox().build().unwrap().run(source).unwrap();
    assert_eq!(outcome.error, None, "{}", outcome.stderr_text());
    assert_eq!(
        outcome.stdout_text(),
        "[ERROR] <script> <script> to the buffer too\nWARNING 20 plugin\n[ERROR] <script> <script> FILTERED\n"
    );
    assert_eq!(
        outcome.stderr_text(),
        "INFO plugin work:6 working on 3\nWARNING plugin <module>:10 careful\n\
         ERROR plugin <module>:14 failed\nTraceback (most recent call last):\n\
         \x20 File \"<script>\", line 12, in <module>\n    1 / 0\n    ~~^~~\n\
         ZeroDivisionError: division by zero\n\
         ERROR plugin.child <module>:20 to the buffer too\nnowhere? goes to lastResort\n\
         ERROR plugin.child <module>:29 FILTERED\nINFO plugin <module>:31 with stack\n\
         Stack (most recent call last):\n  File \"<script>\", line 31, in <module>\n\
         \x20   log.info(\"with stack\", stack_info=True)\n"
    );
    // A FileHandler takes a path of a granted directory (there is no open).
    let tree = Tree::new();
    let stdout = crate::granted_stdout(
        &tree,
        r#"
import logging
h = logging.FileHandler(out / "app.log")
h.setFormatter(logging.Formatter("%(levelname)s:%(message)s"))
log = logging.getLogger("files")
log.addHandler(h)
log.warning("one")
log.error("two %d", 2)
h.close()
print((out / "app.log").read_text(), end="")
try:
    logging.FileHandler("app.log")
except TypeError as e:
    print("TypeError", e)
"#,
    );
    assert_eq!(
        stdout,
        "WARNING:one\nERROR:two 2\n\
         TypeError FileHandler needs a path in a granted directory (such as out / 'app.log'), not 'app.log'\n"
    );
}

/// pickle (the pure-Python implementation) round-trips the script's own
/// classes, dataclasses, shared references and granted modules' types in
/// every protocol, to bytes or a stream.
#[test]
fn pickle_round_trips_every_protocol() {
    let source = r#"
import pickle, collections, datetime, decimal, fractions, io
from dataclasses import dataclass
@dataclass
class Item:
    name: str
    qty: int = 1
class Node:
    def __init__(self, v): self.v = v; self.children = []
    def __eq__(self, o): return isinstance(o, Node) and (self.v, self.children) == (o.v, o.children)
root = Node(1); root.children.append(Node(2)); root.children.append(root.children[0])
data = {"items": [Item("a"), Item("b", 3)], "when": datetime.datetime(2024, 1, 2, 3, 4, 5),
        "money": decimal.Decimal("1.10"), "frac": fractions.Fraction(1, 3),
        "od": collections.OrderedDict(a=1), "dq": collections.deque([1, 2]), "set": {1, 2}, "fs": frozenset("ab"),
        "ba": bytearray(b"xy"), "c": 1 + 2j, "r": range(3), "tree": root, "big": 2 ** 100}
for proto in range(pickle.HIGHEST_PROTOCOL + 1):
    back = pickle.loads(pickle.dumps(data, protocol=proto))
    assert back == data, proto
    assert back["tree"].children[0] is back["tree"].children[1]
print("round trips", pickle.HIGHEST_PROTOCOL + 1)
buf = io.BytesIO(); pickle.dump([1, 2], buf); buf.seek(0); print(pickle.load(buf))
class Local:
    pass
def make():
    class Inner: pass
    return Inner()
try:
    pickle.dumps(make())
except (pickle.PicklingError, AttributeError) as e:
    print(type(e).__name__)
try:
    pickle.loads(b"\x80\x04\x95")
except Exception as e:
    print(type(e).__name__)
"#;
    // Errors are the pure-Python pickle's (CPython's `pickle._Pickler`):
    // PicklingError for a local class, struct.error for truncated input.
    assert_eq!(
        stdout_of(source),
        "round trips 6\n[1, 2]\nPicklingError\nerror\n"
    );
    // array pickles through its native reconstructor, one of pickle's own
    // helpers that the script's view of `array` leaves out.
    let source = "import array, pickle\na = array.array('i', [1, 2])\n\
        for p in range(6):\n    assert pickle.loads(pickle.dumps(a, p)) == a\nprint('ok')\n";
    assert_eq!(stdout_of(source), "ok\n");
}

/// Generic classes, PEP 695 type parameters and aliases: the interpreter's
/// native typing code imports `typing` for its private helpers, which the
/// script's view of it leaves out (vendored patch: native imports are the
/// library's). Expected output: CPython 3.13's.
#[test]
fn generic_classes_and_type_parameters_work() {
    let source = r#"
from typing import Generic, TypeVar, ParamSpec, Callable
T = TypeVar("T"); B = TypeVar("B", bound=int); P = ParamSpec("P")
class Box(Generic[T]):
    def __init__(self, item: T): self.item = item
print(Box[int], Box(3).item, dict[T, int][str], B.__bound__)
class Pair[K, V]:
    pass
print(Pair[str, int], Pair.__type_params__)
type Alias[X] = list[X]
print(Alias[int], Callable[P, int][[str], ])
import operator, pickle
print(operator.methodcaller("upper").__reduce__()[0].__name__)
"#;
    assert_eq!(
        stdout_of(source),
        "__main__.Box[int] 3 dict[str, int] <class 'int'>\n__main__.Pair[str, int] (K, V)\n\
         Alias[int] typing.Callable[[str], int]\nmethodcaller\n"
    );
}

#[test]
fn narrowing_to_contextlib_still_hides_what_it_imports() {
    let exception = exception_with_modules(&["contextlib"], "import contextlib\ncontextlib.sys\n");
    assert_eq!(exception.type_name, "AttributeError");
    let exception = exception_with_modules(&["contextlib"], "import types\n");
    assert_eq!(exception.type_name, "ModuleNotFoundError");
}

#[test]
fn a_scripts_sys_has_facts_streams_and_its_own_modules() {
    let source = "import sys, json\n\
        print(sys.version_info[:2] >= (3, 11), sys.byteorder, sys.argv, repr(sys.stdin.read()))\n\
        print(sorted(sys.modules), sys.modules['json'] is json)\n\
        sys.setrecursionlimit(500)\nprint(sys.getrecursionlimit())\n\
        try:\n    sys.setrecursionlimit(10**6)\nexcept ValueError:\n    print('bounded')\n\
        try:\n    raise KeyError('k')\nexcept KeyError:\n\
        \x20   print(type(sys.exception()).__name__, sys.exc_info()[0].__name__)\n\
        print([n for n in ('_getframe', 'settrace', 'setprofile', 'addaudithook', 'path',\n\
        \x20                  'meta_path', 'path_hooks', '_current_frames', 'path_importer_cache')\n\
        \x20     if hasattr(sys, n)])\n\
        class W:\n    def __init__(self): self.parts = []\n    def write(self, s): self.parts.append(s)\n\
        w = W()\nold = sys.stdout\nsys.stdout = w\nprint('captured')\nsys.stdout = old\nprint(w.parts)\n\
        print(sys.get_int_max_str_digits(), hasattr(sys, 'set_int_max_str_digits'))\n";
    assert_eq!(
        stdout_of(source),
        "True little [''] ''\n['__main__', 'json', 'json.decoder', 'json.encoder', 'json.scanner', 'sys'] True\n\
         500\nbounded\nKeyError KeyError\n[]\n['captured', '\\n']\n4300 False\n"
    );
}

#[test]
fn a_scripts_sys_modules_holds_only_views() {
    // Changing the script's sys.modules changes nothing the catalog uses.
    let source = "import sys, json\nsys.modules['json'] = None\nsys.modules.clear()\n\
                  import re\nprint(json.loads('[2]'), re.match('a', 'a') is not None)\n\
                  print(json.__loader__, hasattr(json, 'decoder'))\n";
    assert_eq!(stdout_of(source), "[2] True\nNone True\n");
}

#[test]
fn sys_is_a_grant_like_any_module() {
    let exception = exception_with_modules(&["json"], "import sys\n");
    assert_eq!(exception.type_name, "ModuleNotFoundError");
}

#[test]
fn library_code_knows_the_scripts_main_module() {
    // Issue 20, bug 3: the catalog's `sys` had no `modules['__main__']` and
    // no `_getframemodulename`. Expected outputs are CPython 3.11's.
    let source = "import dataclasses, typing, collections, enum\n\
        @dataclasses.dataclass\nclass Node:\n    value: int\n    parent: 'Node' = None\n\
        print(Node(1, Node(0)))\n\
        UserId = typing.NewType('UserId', int)\nprint(repr(UserId))\n\
        P = collections.namedtuple('P', 'x y')\nprint(P, P.__module__)\n\
        @enum.global_enum\nclass Color(enum.Enum):\n    RED = 1\nprint(repr(Color.RED))\n\
        class Proto(typing.Protocol):\n    def meth(self): ...\n\
        try:\n    isinstance(1, Proto)\nexcept TypeError:\n    print('TypeError')\n";
    assert_eq!(
        stdout_of(source),
        "Node(value=1, parent=Node(value=0, parent=None))\n__main__.UserId\n\
         <class '__main__.P'> __main__\n__main__.RED\nTypeError\n"
    );
}

#[test]
fn dataclass_docstrings_name_the_signature_and_pprint_lays_them_out() {
    // Issue 20, bug 5 (CPython 3.11's output for the same script).
    let source = "import dataclasses, pprint\n\
        @dataclasses.dataclass\nclass D:\n    a: int\n    b: str = 'x'\n\
        \x20   c: list = dataclasses.field(default_factory=list)\n\
        \x20   _: dataclasses.KW_ONLY\n    k: float = 1.5\n\
        print(D.__doc__)\npprint.pprint(D(1, 'y' * 50), width=40)\n";
    assert_eq!(
        stdout_of(source),
        "D(a: int, b: str = 'x', c: list = <factory>, *, k: float = 1.5)\n\
         D(a=1,\n  b='yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy',\n  c=[],\n  k=1.5)\n"
    );
}

#[test]
fn io_offers_the_in_memory_streams_csv_can_write_to() {
    let source = "import io, csv\nbuf = io.StringIO()\nw = csv.writer(buf)\n\
        w.writerow(['a', 'b,c'])\nw.writerow([1, 2])\nprint(repr(buf.getvalue()))\n\
        b = io.BytesIO(b'xyz')\nb.seek(1)\nprint(b.read(), io.SEEK_END)\n\
        print(sorted(k for k in dir(io) if not k.startswith('__')))\n";
    assert_eq!(
        stdout_of(source),
        "'a,\"b,c\"\\r\\n1,2\\r\\n'\nb'yz' 2\n\
         ['BytesIO', 'SEEK_CUR', 'SEEK_END', 'SEEK_SET', 'StringIO', 'UnsupportedOperation']\n"
    );
}

#[test]
fn a_scripts_setrecursionlimit_refuses_hostile_limits() {
    // The sweep skips it (it would change the sweep's own footing), so its
    // hostile arguments are here: each is refused and the limit unchanged.
    let source = "import sys\nbefore = sys.getrecursionlimit()\n\
        for bad in (-1, 0, 10**6, 2**64, 'x', None):\n\
        \x20   try:\n        sys.setrecursionlimit(bad)\n\
        \x20   except (ValueError, TypeError, OverflowError) as e:\n\
        \x20       print(type(e).__name__, end=' ')\n\
        print(sys.getrecursionlimit() == before)\n";
    let out = stdout_of(source);
    assert!(out.ends_with("True\n"), "{out}");
    assert_eq!(out.split_whitespace().count(), 7, "{out}");
}
