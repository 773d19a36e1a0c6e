#!/usr/bin/env python3
"""Runs bench/workloads/*.py under capy, CPython and (if found) native
RustPython, alternating, and prints medians and ratios.

    cargo build --release -p capy-cli && python3 bench/compare.py [--reps 5]

Each workload's first line is `# expect: <stdout>`; a run whose output
differs is reported as wrong, not timed. Times are wall-clock of the whole
process (start-up included), so also measured: `print(1)` alone.
Set CAPY, PYTHON and RUSTPYTHON to pick the binaries, and CAPY_BASELINE to
time a second capy (a build of an older commit) in the same run, alternating
with the others: its column is `baseline`, its ratio `capy/baseline`.
"""

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def runners():
    capy = os.environ.get("CAPY", str(ROOT / "target" / "release" / "capy"))
    python = os.environ.get("PYTHON", "python3")
    found = {
        # Generous limits: this measures speed, not the default budgets.
        "capy": ([capy, "run", "--cpu", "300s", "--timeout", "600s"], Path(capy).exists()),
        "cpython": ([python, "-S"], shutil.which(python) is not None),
    }
    baseline = os.environ.get("CAPY_BASELINE")
    if baseline:
        cmd = [baseline, "run", "--cpu", "300s", "--timeout", "600s"]
        found["baseline"] = (cmd, Path(baseline).exists())
    rustpython = os.environ.get("RUSTPYTHON") or shutil.which("rustpython")
    if rustpython:
        found["rustpython"] = ([rustpython], True)
    missing = [name for name, (_, ok) in found.items() if not ok]
    if "capy" in missing:
        sys.exit(f"no capy binary at {capy}: run `cargo build --release -p capy-cli` first")
    return {name: cmd for name, (cmd, ok) in found.items() if ok}


def time_run(cmd, script, expect):
    started = time.perf_counter()
    out = subprocess.run(cmd + [str(script)], capture_output=True, text=True)
    took = time.perf_counter() - started
    if out.returncode != 0 or (expect is not None and out.stdout.strip() != expect):
        return None, out.stdout.strip() or out.stderr.strip().splitlines()[-1:]
    return took, None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    run = runners()
    with tempfile.TemporaryDirectory() as tmp:
        hello = Path(tmp) / "hello.py"
        hello.write_text("# expect: 1\nprint(1)\n")
        workloads = [hello] + sorted((HERE / "workloads").glob("*.py"))
        # Warm the compiled-guest caches so they are not timed.
        for name in ("capy", "baseline"):
            if name in run:
                subprocess.run(run[name] + [str(hello)], capture_output=True)
        names = list(run)
        header = f"{'workload':<16}" + "".join(f"{n + ' ms':>14}" for n in names)
        header += "".join(f"{'capy/' + n:>16}" for n in names if n != "capy")
        print(header)
        table = {}
        for script in workloads:
            first = script.read_text().splitlines()[0]
            expect = first.split(":", 1)[1].strip() if first.startswith("# expect:") else None
            times = {n: [] for n in names}
            wrong = {}
            for _ in range(args.reps):
                for name in names:  # alternate, so drift hits all alike
                    took, bad = time_run(run[name], script, expect)
                    if took is None:
                        wrong[name] = bad
                    else:
                        times[name].append(took)
            medians = {n: statistics.median(t) * 1e3 for n, t in times.items() if t}
            label = "print(1)" if script == hello else script.stem
            table[label] = medians
            row = f"{label:<16}"
            for n in names:
                row += f"{medians[n]:>14.1f}" if n in medians else f"{'wrong':>14}"
            for n in names:
                if n != "capy":
                    ok = "capy" in medians and n in medians
                    row += f"{medians['capy'] / medians[n]:>15.2f}x" if ok else f"{'-':>16}"
            print(row)
            for name, bad in wrong.items():
                print(f"  {name} gave {bad!r}")
        print_compute_ratios(table, names)


def print_compute_ratios(table, names):
    """The interpreters' speed alone: each runner's own start-up (its
    print(1) median) subtracted from each workload, then the ratios and
    their geometric mean."""
    start = table.get("print(1)", {})
    others = [n for n in names if n != "capy" and n in start and "capy" in start]
    if not others:
        return
    print("\ncompute only (each runner's print(1) subtracted):")
    print(f"{'workload':<16}" + "".join(f"{'capy/' + n:>16}" for n in others))
    logs = {n: [] for n in others}
    for label, medians in table.items():
        if label == "print(1)":
            continue
        row = f"{label:<16}"
        for n in others:
            if "capy" in medians and n in medians:
                capy = medians["capy"] - start["capy"]
                other = medians[n] - start[n]
                if capy > 0 and other > 0:
                    ratio = capy / other
                    logs[n].append(math.log(ratio))
                    row += f"{ratio:>15.2f}x"
                    continue
            row += f"{'-':>16}"
        print(row)
    row = f"{'geometric mean':<16}"
    for n in others:
        row += f"{math.exp(statistics.mean(logs[n])):>15.2f}x" if logs[n] else f"{'-':>16}"
    print(row)


if __name__ == "__main__":
    main()
