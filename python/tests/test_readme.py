"""README's "From Python" example runs as written and passes mypy --strict."""

import os
import pathlib
import re
import runpy
import subprocess
import sys

import pytest

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def example() -> str:
    text = README.read_text()
    marker = text.index("<!-- from-python-example")
    match = re.compile(r"```python\n(.*?)```", re.S).search(text, marker)
    assert match, "README's From Python example"
    return match.group(1)


def test_readme_example_runs(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "one.csv").write_text("1\n")
    (tmp_path / "out").mkdir()
    script = tmp_path / "example.py"
    script.write_text(example())
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(script), run_name="__main__")


def test_readme_example_passes_mypy_strict(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("mypy")
    script = tmp_path / "example.py"
    script.write_text(example())
    env = dict(os.environ, MYPY_CACHE_DIR=str(tmp_path / ".mypy_cache"))
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(script)],
        capture_output=True, text=True, env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
