"""Plugins, host functions and the plain-data boundary."""

import asyncio
import logging
import math
from typing import Any

import pytest

import capy

PLUGIN = """
calls = 0
def transform(d, factor=1):
    global calls
    calls += 1
    print('transforming', d)
    return {k: v * factor for k, v in d.items()}
def count():
    return calls
def fail():
    raise ValueError('nope')
def spin():
    while True:
        pass
def bad():
    return object()
"""


def test_plugin_call_with_kwargs_keeps_state() -> None:
    with capy.Sandbox() as sb:
        plugin = sb.load(PLUGIN)
        assert plugin.call("transform", {"x": 1}, factor=2) == {"x": 2}
        assert plugin.stdout == "transforming {'x': 1}\n"
        assert plugin.call("transform", {"y": 3}) == {"y": 3}
        assert plugin.call("count") == 2
        # The sandbox still runs scripts, which see the plugin's globals.
        assert sb.run("print(calls)").stdout == "2\n"


def test_plugin_errors_raise() -> None:
    with capy.Sandbox(limits=capy.Limits(cpu=0.2)) as sb:
        plugin = sb.load(PLUGIN)
        with pytest.raises(capy.NoSuchFunction) as missing:
            plugin.call("nothing")
        assert missing.value.function == "nothing"
        with pytest.raises(capy.ScriptError) as raised:
            plugin.call("fail")
        assert raised.value.type_name == "ValueError" and raised.value.message == "nope"
        with pytest.raises(capy.BadResult):
            plugin.call("bad")
        with pytest.raises(capy.BadArguments):
            plugin.call("transform", 1, 2, 3)
        with pytest.raises(capy.LimitExceeded) as limit:
            plugin.call("spin")
        assert limit.value.limit == "cpu"
        assert plugin.call("count") == 0


def test_plugin_arguments_must_be_plain_data() -> None:
    with capy.Sandbox() as sb:
        plugin = sb.load(PLUGIN)
        with pytest.raises(TypeError, match=r"args\[0\]\['k'\]\[2\] is a set"):
            plugin.call("transform", {"k": [1, 2, {3}]})
        with pytest.raises(capy.BadArguments, match=r"kwargs\['factor'\] is a object"):
            plugin.call("transform", {}, factor=object())


def test_failing_top_level_raises_and_leaves_the_sandbox_usable() -> None:
    with capy.Sandbox() as sb:
        with pytest.raises(capy.ScriptError):
            sb.load("raise RuntimeError('top')")
        assert sb.run("print(1)").stdout == "1\n"
        assert sb.load("def f(): return 5").call("f") == 5


PLAIN: list[Any] = [
    None, True, False, 0, -1, 2**63 - 1, -(2**63), 2**63, -(2**200), 10**4000,
    1.5, -0.0, math.inf, "", "héllo \x00 ☃", b"", b"\x00\xff", [], [1, [2, [3]]],
    {"a": 1, 2: "b", None: [], b"k": {"n": None}},
]


@pytest.mark.parametrize("value", PLAIN, ids=repr)
def test_plain_data_round_trips_through_the_guest(value: Any) -> None:
    with capy.Sandbox() as sb:
        plugin = sb.load("def echo(x): return x")
        assert plugin.call("echo", value) == value
        assert capy._capy.roundtrip(value) == value


def test_nan_and_tuples_cross() -> None:
    with capy.Sandbox() as sb:
        plugin = sb.load("def echo(x): return x")
        assert math.isnan(plugin.call("echo", math.nan))
        assert plugin.call("echo", (1, 2)) == [1, 2]


def test_huge_and_deep_values() -> None:
    with capy.Sandbox() as sb:
        plugin = sb.load("def echo(x): return x\ndef deep(n):\n    v = []\n    for _ in range(n): v = [v]\n    return v")
        big = list(range(200_000))
        assert plugin.call("echo", big) == big
        text = "x" * 5_000_000
        assert plugin.call("echo", text) == text
        deep: Any = []
        for _ in range(10_000):
            deep = [deep]
        with pytest.raises(capy.BadArguments, match="levels deep"):
            plugin.call("echo", deep)
        with pytest.raises(capy.BadResult):
            plugin.call("deep", 10_000)
        with pytest.raises(capy.BadArguments, match="more than 4300 digits"):
            plugin.call("echo", 10**5000)


def notify(msg: str) -> bool:
    return msg == "hi"


def test_host_functions_take_and_return_plain_data() -> None:
    seen: list[Any] = []

    def record(*args: Any) -> Any:
        seen.append(args)
        return {"got": list(args)}

    with capy.Sandbox(functions={"notify": notify, "record": record}) as sb:
        out = sb.run("print(notify('hi'), record(1, 'a', [None]))", check=True)
    assert out.stdout == "True {'got': [1, 'a', [None]]}\n"
    assert seen == [(1, "a", [None])]
    assert out.usage.host_function_calls == 2


@pytest.mark.parametrize(
    "error", [ValueError("v"), TypeError("t"), KeyError("k"), LookupError("l"),
              PermissionError("p"), RuntimeError("r"), IndexError("i")],
    ids=lambda e: type(e).__name__,
)
def test_host_exceptions_of_the_carried_types_keep_type_and_message(error: Exception) -> None:
    def f() -> None:
        raise error

    expected = {"IndexError": "LookupError"}.get(type(error).__name__, type(error).__name__)
    with capy.Sandbox(functions={"f": f}) as sb:
        out = sb.run(f"try:\n    f()\nexcept {expected} as e:\n    print(type(e).__name__, e.args[0])", check=True)
    assert out.stdout == f"{expected} {error.args[0]}\n"


def test_other_host_exceptions_are_opaque_to_the_script_and_kept_for_the_host(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def leaky() -> None:
        raise OSError("/etc/shadow: secret host detail")

    with capy.Sandbox(functions={"leaky": leaky}) as sb:
        caught = sb.run(
            "try:\n    leaky()\nexcept RuntimeError as e:\n    print(repr(e))", check=True
        )
        assert caught.stdout == "RuntimeError(\"host function 'leaky' failed\")\n"
        assert "shadow" not in caught.stdout
        out = sb.run("leaky()")
    assert isinstance(out.error, capy.ScriptError)
    assert "shadow" not in out.error.traceback and "shadow" not in out.error.message
    assert isinstance(out.error.__cause__, OSError)
    assert "secret host detail" in caplog.text
    caplog.clear()
    with capy.Sandbox(functions={"leaky": leaky}) as sb:
        plugin = sb.load("def go(): leaky()")
        with pytest.raises(capy.ScriptError) as raised:
            plugin.call("go")
    assert isinstance(raised.value.__cause__, OSError)


def test_host_function_returning_a_non_plain_value() -> None:
    with capy.Sandbox(functions={"f": lambda: object()}) as sb:
        out = sb.run("f()")
    assert isinstance(out.error, capy.ScriptError)
    assert out.error.type_name == "RuntimeError"
    assert "non-plain" in out.error.message
    assert isinstance(out.error.__cause__, TypeError)


def test_host_function_reentering_the_sandbox_is_refused() -> None:
    box: list[capy.Sandbox] = []

    def reenter() -> str:
        return box[0].run("1").stdout

    with capy.Sandbox(functions={"reenter": reenter}) as sb:
        box.append(sb)
        out = sb.run("try:\n    reenter()\nexcept RuntimeError as e:\n    print(e)", check=True)
    assert "busy" in out.stdout


def test_host_function_using_another_sandbox_works() -> None:
    with capy.Sandbox() as inner:
        with capy.Sandbox(functions={"nested": lambda: inner.run("print(6 * 7)").stdout}) as sb:
            assert sb.run("print(nested())").stdout == "42\n\n"


def test_revoke_function() -> None:
    with capy.Sandbox(functions={"f": lambda: 1}) as sb:
        assert sb.run("print(f())").stdout == "1\n"
        sb.revoke_function("f")
        assert sb.run("f()").error is not None


def test_functions_must_be_callable() -> None:
    with pytest.raises(TypeError, match="not callable"):
        capy.Sandbox(functions={"f": 1})  # type: ignore[dict-item]


async def fetch(key: str) -> str:
    await asyncio.sleep(0.01)
    return f"value of {key}"


def test_async_host_function_from_the_blocking_api() -> None:
    with capy.Sandbox(functions={"fetch": fetch}) as sb:
        assert sb.run("print(fetch('k'))").stdout == "value of k\n"


def test_run_async_awaits_async_host_functions_on_the_callers_loop() -> None:
    async def main() -> tuple[str, int]:
        loop = asyncio.get_running_loop()
        seen_loop: list[asyncio.AbstractEventLoop] = []

        async def where() -> int:
            seen_loop.append(asyncio.get_running_loop())
            return 1

        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        task = asyncio.create_task(ticker())
        with capy.Sandbox(functions={"fetch": fetch, "where": where}) as sb:
            out = await sb.run_async("print(fetch('a'), where())\nsum(range(3_000_000))", check=True)
            plugin = await sb.load_async("def g(x): return fetch(x)")
            assert await plugin.call_async("g", "b") == "value of b"
        task.cancel()
        assert seen_loop == [loop]
        return out.stdout, ticks

    stdout, ticks = asyncio.run(main())
    assert stdout == "value of a 1\n"
    assert ticks > 0, "the event loop ran while the guest did"


def test_cancelling_run_async_interrupts_the_script() -> None:
    async def main() -> capy.Outcome:
        with capy.Sandbox() as sb:
            task = asyncio.create_task(sb.run_async("while True: pass"))
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # The interrupted run finishes in the executor; the sandbox is
            # then free again.
            for _ in range(100):
                try:
                    return await sb.run_async("print('free')")
                except RuntimeError:
                    await asyncio.sleep(0.05)
            raise AssertionError("sandbox stayed busy")

    assert asyncio.run(main()).stdout == "free\n"


def test_logging_uses_the_capy_logger(caplog: pytest.LogCaptureFixture) -> None:
    def f() -> None:
        raise ZeroDivisionError("x")

    with caplog.at_level(logging.ERROR, logger="capy"), capy.Sandbox(functions={"f": f}) as sb:
        sb.run("f()")
    assert any(r.name == "capy" and r.exc_info for r in caplog.records)
