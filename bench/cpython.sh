#!/usr/bin/env bash
# CPython counterparts of host/benches/sandbox.rs, for side-by-side ratios:
#   cargo bench -p capy && bench/cpython.sh
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -c 1024 /dev/zero | tr '\0' x > "$tmp/k.txt"
py=${PYTHON:-python3}
echo "startup/python3 -S -c pass:"
"$py" - <<PY
import subprocess, time
runs = []
for _ in range(20):
    t = time.perf_counter(); subprocess.run(["$py", "-S", "-c", "pass"]); runs.append(time.perf_counter() - t)
runs.sort(); print(f"  median {runs[len(runs)//2]*1e3:.1f} ms")
PY
"$py" -S - <<PY
import timeit
n = 1000
def per_call(stmt, setup):
    best = min(timeit.repeat(stmt, setup, number=n, repeat=7))
    return best / n * 1e6
path = "$tmp/k.txt"
raw = per_call("open(path).read()", "from __main__ import path")
pathlib_ = per_call("p.read_text()", "import pathlib; from __main__ import path; p = pathlib.Path(path)")
print(f"fs/open().read() 1KiB: {raw:.1f} us/call")
print(f"fs/Path.read_text 1KiB: {pathlib_:.1f} us/call")
best = min(timeit.repeat('sum(i * i for i in range(10**6))', number=1, repeat=5))
print(f"cpu/sum_squares_1e6: {best*1e3:.0f} ms")
PY
