#!/usr/bin/env python3
"""capy from Python, side by side with pydantic-monty and plain exec.

Measures, in one run: a new sandbox + `1 + 1`; a plugin-function call
round trip (a dict in, a dict out, a keyword argument); a host-function
call from the script; and two CPU-bound sandboxes in two threads against
one (the GIL is released while the guest runs).

    python3 -m venv /tmp/v && /tmp/v/bin/pip install ./python pydantic-monty==1.4.0
    /tmp/v/bin/python bench/python_host.py

Prints a Markdown table of medians (lower is better).
"""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any, Callable, Dict, List, Optional

import capy

try:
    import pydantic_monty
except ImportError:  # the table then says "n/a" for Monty
    pydantic_monty = None

PLUGIN = "def transform(d, factor=1):\n    return {k: v * factor for k, v in d.items()}\n"
HOST_CALLS = 500
HOST_LOOP = f"for _ in range({HOST_CALLS}):\n    notify('hi')\n"
CPU_BOUND = "total = 0\nfor i in range(1_500_000):\n    total += i % 7\n"


def notify(msg: str) -> bool:
    return msg == "hi"


def median_us(f: Callable[[], Any], *, repeat: int, per: int = 1) -> float:
    f()  # warm up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        samples.append((time.perf_counter() - start) / per)
    return statistics.median(samples) * 1e6


def bench_capy() -> Dict[str, float]:
    capy._capy.default_engine()  # compile or load the guest once, outside the timings
    results = {"new sandbox + 1 + 1": median_us(lambda: capy.Sandbox().run("1 + 1"), repeat=30)}
    sb = capy.Sandbox()
    plugin = sb.load(PLUGIN)
    results["plugin.call round trip"] = median_us(
        lambda: plugin.call("transform", {"x": 1, "y": 2}, factor=2), repeat=300
    )
    hosted = capy.Sandbox(functions={"notify": notify})
    results["host-function call"] = median_us(
        lambda: hosted.run(HOST_LOOP), repeat=20, per=HOST_CALLS
    )
    return results


def bench_monty() -> Optional[Dict[str, float]]:
    if pydantic_monty is None:
        return None
    results = {}
    with pydantic_monty.Monty() as pool:

        def fresh() -> None:
            with pool.checkout() as session:
                session.feed_run("1 + 1")

        results["new sandbox + 1 + 1"] = median_us(fresh, repeat=30)
        with pool.checkout() as session:
            session.feed_run(PLUGIN)
            results["plugin.call round trip"] = median_us(
                lambda: session.feed_run(
                    "transform(d, factor=2)", inputs={"d": {"x": 1, "y": 2}}
                ),
                repeat=300,
            )
        # Monty caps external calls per session (1000), so each sample gets
        # a fresh session, checked out outside the timing.
        samples = []
        for _ in range(20):
            with pool.checkout() as session:
                start = time.perf_counter()
                session.feed_run(HOST_LOOP, external_lookup={"notify": notify})
                samples.append((time.perf_counter() - start) / HOST_CALLS)
        results["host-function call"] = statistics.median(samples) * 1e6
    return results


def bench_exec() -> Dict[str, float]:
    results = {"new sandbox + 1 + 1": median_us(lambda: exec("1 + 1", {}), repeat=300)}
    namespace: Dict[str, Any] = {}
    exec(PLUGIN, namespace)
    transform = namespace["transform"]
    results["plugin.call round trip"] = median_us(
        lambda: transform({"x": 1, "y": 2}, factor=2), repeat=300
    )
    code = compile(HOST_LOOP, "<bench>", "exec")
    results["host-function call"] = median_us(
        lambda: exec(code, {"notify": notify}), repeat=20, per=HOST_CALLS
    )
    return results


def parallel_ratio() -> float:
    """Wall time of two CPU-bound sandboxes in two threads over one alone:
    about 1.0 if they really run at once, 2.0 if serialised."""
    boxes = [capy.Sandbox(), capy.Sandbox()]

    def one(sb: capy.Sandbox) -> None:
        sb.run(CPU_BOUND, check=True)

    one(boxes[0])
    start = time.perf_counter()
    one(boxes[0])
    alone = time.perf_counter() - start
    threads = [threading.Thread(target=one, args=(sb,)) for sb in boxes]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return (time.perf_counter() - start) / alone


def fmt(us: Optional[float]) -> str:
    if us is None:
        return "n/a"
    return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.1f} µs"


def main() -> None:
    columns: List[tuple[str, Optional[Dict[str, float]]]] = [
        ("capy", bench_capy()),
        ("Monty (pydantic-monty)", bench_monty()),
        ("plain `exec`", bench_exec()),
    ]
    print("| operation | " + " | ".join(name for name, _ in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for row in ("new sandbox + 1 + 1", "plugin.call round trip", "host-function call"):
        cells = [fmt(r[row] if r else None) for _, r in columns]
        print(f"| {row} | " + " | ".join(cells) + " |")
    print(f"\ntwo CPU-bound capy sandboxes in two threads: {parallel_ratio():.2f}x the wall time of one")


if __name__ == "__main__":
    main()
