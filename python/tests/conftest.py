import pathlib

import pytest

import capy


@pytest.fixture(scope="session")
def engine() -> capy.Engine:
    return capy.Engine()


@pytest.fixture
def data(tmp_path: pathlib.Path) -> pathlib.Path:
    d = tmp_path / "data"
    d.mkdir()
    (d / "a.txt").write_text("alpha\n")
    (d / "b.txt").write_text("beta\n")
    (d / "secret.key").write_text("hunter2\n")
    return d
