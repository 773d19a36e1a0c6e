"""capy.Sandbox: runs, grants, limits, errors, policy."""

import datetime
import pathlib
import threading
import time

import pytest

import capy


def test_run_returns_an_outcome() -> None:
    with capy.Sandbox() as sb:
        out = sb.run("print(sum(i * i for i in range(10)))")
    assert out.stdout == "285\n"
    assert out.stderr == ""
    assert out.error is None
    assert out.usage.cpu >= 0 and out.usage.wall > 0 and out.usage.memory > 0


def test_globals_persist_between_runs() -> None:
    with capy.Sandbox() as sb:
        sb.run("x = 41")
        assert sb.run("print(x + 1)").stdout == "42\n"


def test_script_error_is_in_the_outcome_or_raised_with_check() -> None:
    with capy.Sandbox() as sb:
        out = sb.run("def f():\n    raise ValueError('bad')\nf()")
        assert isinstance(out.error, capy.ScriptError)
        assert out.error.type_name == "ValueError"
        assert out.error.message == "bad"
        assert 'File "<script>", line 2, in f' in out.error.traceback
        with pytest.raises(capy.ScriptError) as caught:
            sb.run("1 / 0", check=True)
        assert caught.value.type_name == "ZeroDivisionError"
        assert sb.run("print('still usable')").stdout == "still usable\n"


def test_filename_names_the_script_in_tracebacks() -> None:
    with capy.Sandbox() as sb:
        out = sb.run("raise KeyError('k')", filename="job.py")
    assert isinstance(out.error, capy.ScriptError)
    assert 'File "job.py"' in out.error.traceback


def test_dirs_read_only_by_default_and_hide(data: pathlib.Path, tmp_path: pathlib.Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with capy.Sandbox(
        dirs={"data": data, "out": capy.Dir(out_dir, writable=True, hide=["*.key"])}
    ) as sb:
        got = sb.run("print(sorted(p.name for p in data.iterdir()))", check=True)
        assert got.stdout == "['a.txt', 'b.txt', 'secret.key']\n"
        out = sb.run("(data / 'new.txt').write_text('x')")
        assert isinstance(out.error, capy.ScriptError)
        assert out.error.type_name == "PermissionError"
        sb.run("(out / 'r.txt').write_text('result')", check=True)
        (out_dir / "x.key").write_text("k")
        hidden = sb.run("print([p.name for p in out.iterdir()])", check=True)
        assert hidden.stdout == "['r.txt']\n"
    assert (out_dir / "r.txt").read_text() == "result"
    assert not (data / "new.txt").exists()


def test_write_quota_is_a_limit(tmp_path: pathlib.Path) -> None:
    with capy.Sandbox(dirs={"out": capy.Dir(tmp_path, writable=True, max_bytes_written="1KiB")}) as sb:
        out = sb.run("(out / 'big').write_text('x' * 4096)")
    assert isinstance(out.error, capy.LimitExceeded)
    assert out.error.limit == "bytes_written"
    assert out.error.grant == "out"


def test_bad_dirs_path_is_a_policy_error(tmp_path: pathlib.Path) -> None:
    with pytest.raises(capy.PolicyError, match="does-not-exist"):
        capy.Sandbox(dirs={"data": tmp_path / "does-not-exist"})
    with pytest.raises(capy.PolicyError):
        capy.Sandbox(dirs={"not a name": tmp_path})
    with pytest.raises(TypeError):
        capy.Sandbox(dirs={"data": 42})  # type: ignore[dict-item]


def test_revoke_a_grant(data: pathlib.Path) -> None:
    with capy.Sandbox(dirs={"data": data}) as sb:
        sb.run("print((data / 'a.txt').read_text())", check=True)
        sb.revoke("data")
        out = sb.run("(data / 'a.txt').read_text()")
    assert isinstance(out.error, capy.ScriptError)


def test_modules_restrict_imports() -> None:
    with capy.Sandbox(modules=["json"]) as sb:
        assert sb.run("import json; print(json.dumps([1]))").stdout == "[1]\n"
        out = sb.run("import re")
        assert isinstance(out.error, capy.ScriptError)
        assert out.error.type_name in ("ImportError", "ModuleNotFoundError")
    with pytest.raises(capy.PolicyError, match="jsn"):
        capy.Sandbox(modules=["jsn"])
    assert "json" in capy.AVAILABLE_MODULES


def test_seed_and_clock_make_runs_reproducible() -> None:
    code = "import random, time; print(random.random(), time.time())"
    when = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    with capy.Sandbox(seed=7, clock=when) as a, capy.Sandbox(seed=7, clock="2024-01-01T00:00:00Z") as b:
        first, second = a.run(code, check=True).stdout, b.run(code, check=True).stdout
    assert first == second
    assert first.split()[1] == "1704067200.0"


def test_cpu_limit_in_run_leaves_the_sandbox_usable() -> None:
    with capy.Sandbox(limits=capy.Limits(cpu="200ms")) as sb:
        out = sb.run("while True: pass")
        assert isinstance(out.error, capy.LimitExceeded)
        assert out.error.limit == "cpu"
        assert sb.run("print('ok')").stdout == "ok\n"


def test_wall_limit() -> None:
    with capy.Sandbox(limits=capy.Limits(wall=0.2)) as sb:
        out = sb.run("while True: pass")
    assert isinstance(out.error, capy.LimitExceeded)
    assert out.error.limit in ("wall", "cpu")


def test_memory_limit_stops_the_sandbox() -> None:
    with capy.Sandbox(limits=capy.Limits(memory="48MiB")) as sb:
        out = sb.run("x = bytearray(200 * 1024 * 1024)")
        assert isinstance(out.error, (capy.LimitExceeded, capy.ScriptError))
        if isinstance(out.error, capy.LimitExceeded):
            assert out.error.limit == "memory"
            assert sb.stopped
            with pytest.raises(capy.SandboxStopped):
                sb.run("1")
        else:
            assert out.error.type_name == "MemoryError"


def test_output_flood_hits_the_output_limit() -> None:
    with capy.Sandbox(limits=capy.Limits(output="64KiB")) as sb:
        out = sb.run("while True: print('x' * 1000)")
    assert isinstance(out.error, capy.LimitExceeded)
    assert out.error.limit == "output"
    assert len(out.stdout) <= 64 * 1024


def test_a_huge_traceback_is_cut_at_the_output_limit() -> None:
    with capy.Sandbox(limits=capy.Limits(output="1KiB")) as sb:
        out = sb.run("raise ValueError('T' * 5_000_000)")
    assert isinstance(out.error, capy.ScriptError)
    assert out.error.type_name == "ValueError"
    assert len(out.error.traceback) < 1500
    assert "cut at the output limit" in out.error.traceback
    assert len(out.error.message) < 1500


def test_bad_limits_are_errors() -> None:
    with pytest.raises(ValueError, match="memory"):
        capy.Sandbox(limits=capy.Limits(memory="lots"))
    with pytest.raises(capy.PolicyError):
        capy.Sandbox(limits=capy.Limits(memory="1MiB"))


def test_on_output_streams_as_written() -> None:
    chunks: list[tuple[str, str]] = []
    with capy.Sandbox(on_output=lambda stream, text: chunks.append((stream, text))) as sb:
        out = sb.run("print('one')\nprint('two')")
    assert out.error is None
    assert out.stdout == "" and out.stderr == ""
    assert "".join(t for s, t in chunks if s == "stdout") == "one\ntwo\n"


def test_on_output_callback_that_raises_is_logged_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    def boom(stream: str, text: str) -> None:
        raise OSError("disk full")

    with capy.Sandbox(on_output=boom) as sb:
        out = sb.run("print('x'); print('done')")
    assert out.error is None
    assert "on_output" in caplog.text


def test_interrupt_from_another_thread() -> None:
    with capy.Sandbox() as sb:
        started = threading.Event()
        sb.run("import time")
        timer = threading.Thread(target=lambda: (started.wait(), time.sleep(0.2), sb.interrupt()))
        timer.start()
        started.set()
        out = sb.run("while True: pass")
        timer.join()
        assert isinstance(out.error, capy.ScriptError)
        assert out.error.type_name == "KeyboardInterrupt"
        assert sb.run("print('after')").stdout == "after\n"


def test_terminate_from_another_thread_stops_the_sandbox() -> None:
    with capy.Sandbox() as sb:
        timer = threading.Timer(0.2, sb.terminate)
        timer.start()
        out = sb.run("while True: pass")
        timer.join()
        assert isinstance(out.error, capy.Terminated)
        assert sb.stopped
        with pytest.raises(capy.SandboxStopped):
            sb.run("1")


def test_threads_run_sandboxes_at_once() -> None:
    # Correctness only (each thread gets its own answer); the speed-up is
    # reported by bench/python_host.py, not asserted here.
    results: dict[int, str] = {}

    def work(n: int) -> None:
        with capy.Sandbox() as sb:
            results[n] = sb.run(f"print(sum(range({n} * 100000)))", check=True).stdout

    threads = [threading.Thread(target=work, args=(n,)) for n in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {n: f"{sum(range(n * 100000))}\n" for n in range(1, 5)}


def test_one_sandbox_runs_one_thing_at_a_time() -> None:
    with capy.Sandbox() as sb:
        errors: list[BaseException] = []
        ready = threading.Event()

        def second() -> None:
            ready.wait()
            time.sleep(0.1)
            try:
                sb.run("1")
            except RuntimeError as e:
                errors.append(e)
            finally:
                sb.interrupt()

        t = threading.Thread(target=second)
        t.start()
        ready.set()
        sb.run("while True: pass")
        t.join()
    assert errors and "busy" in str(errors[0])


def test_policy_file_and_keyword_overrides(tmp_path: pathlib.Path, data: pathlib.Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(
        'modules = ["json"]\n[limits]\ncpu = "5s"\n[[grant]]\nname = "data"\npath = "data"\n'
    )
    with capy.Sandbox(policy=policy, modules=["re"]) as sb:
        out = sb.run("import json, re; print(len(list(data.iterdir())))", check=True)
        assert out.stdout == "3\n"
        assert sb.run("import math").error is not None
    loaded = capy.Policy.load(policy)
    assert 'cpu = "5s"' in loaded.to_toml()
    with capy.Sandbox(policy=loaded, limits=capy.Limits(cpu=0.1)) as sb:
        err = sb.run("while True: pass").error
        assert isinstance(err, capy.LimitExceeded) and err.limit == "cpu"


def test_policy_file_with_errors(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[limits]\ncpu = "2s"\nmemroy = "64MiB"\n')
    with pytest.raises(capy.PolicyError, match="memroy"):
        capy.Sandbox(policy=bad)
    with pytest.raises(capy.PolicyError, match="cannot read policy"):
        capy.Sandbox(policy=tmp_path / "missing.toml")
    with pytest.raises(capy.PolicyError):
        capy.Policy.from_toml('[[grant]]\nname = "data"\npath = "nowhere"\n', base_dir=tmp_path)


def test_engines_are_shareable() -> None:
    engine = capy.Engine()
    with capy.Sandbox(engine=engine) as a, capy.Sandbox(engine=engine) as b:
        a.run("x = 1")
        assert isinstance(b.run("x").error, capy.ScriptError)


def test_closed_sandbox_refuses_runs() -> None:
    sb = capy.Sandbox()
    sb.close()
    with pytest.raises(RuntimeError, match="closed"):
        sb.run("1")
