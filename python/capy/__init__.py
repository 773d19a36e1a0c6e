"""capy: run untrusted Python in an object-capability sandbox.

The script runs in RustPython compiled to WebAssembly, under wasmtime, with
no ambient authority: it can touch only the directories and functions you
hand it. See README.md, "From Python".
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from typing import Any, Awaitable, Callable, Iterable, Mapping, Optional, Sequence, Tuple, Union

from . import _capy
from ._capy import AVAILABLE_MODULES, Engine, Policy
from ._errors import (
    BadArguments,
    BadResult,
    Error,
    LimitExceeded,
    NoSuchFunction,
    Outcome,
    PolicyError,
    SandboxCrashed,
    SandboxStopped,
    ScriptError,
    Terminated,
    Usage,
)

__all__ = [
    "AVAILABLE_MODULES", "BadArguments", "BadResult", "Dir", "Engine", "Error", "LimitExceeded",
    "Limits", "NoSuchFunction", "Outcome", "Plugin", "Policy", "PolicyError", "Sandbox",
    "SandboxCrashed", "SandboxStopped", "ScriptError", "Terminated", "Usage",
]

Size = Union[int, str]
"""Bytes, or a string such as ``"64MiB"``."""
Seconds = Union[float, int, str]
"""Seconds, or a string such as ``"500ms"``."""
PathLike = Union[str, "os.PathLike[str]"]


@dataclasses.dataclass(frozen=True)
class Dir:
    """A directory granted to the script (read-only unless ``writable``)."""

    path: PathLike
    writable: bool = False
    max_bytes_written: Optional[Size] = None
    max_files_created: Optional[int] = None
    hide: Sequence[str] = ()
    """Glob patterns (``"*.key"``, ``"secrets/**"``) the script cannot see."""


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits; ``None`` keeps the policy's (or the default)."""

    cpu: Optional[Seconds] = None
    """Guest CPU per run (default 10 s)."""
    wall: Optional[Seconds] = None
    """Wall-clock time per run (default 30 s)."""
    memory: Optional[Size] = None
    """Guest memory (default 256MiB; at least 32MiB)."""
    output: Optional[Size] = None
    """stdout and stderr together (default 1MiB)."""
    total_cpu: Optional[Seconds] = None
    """CPU summed over every run of the sandbox (default unlimited)."""
    open_files: Optional[int] = None
    """Files open at once (default 64)."""


def _outcome(raw: Tuple[str, str, Optional[Error], Tuple[float, float, int, int, int]]) -> Outcome:
    stdout, stderr, error, usage = raw
    return Outcome(stdout, stderr, error, Usage(*usage))


class Sandbox:
    """One isolated Python interpreter. Globals persist between runs.

    Keyword arguments override ``policy`` (a TOML file, as the CLI's
    ``--policy``, or a :class:`Policy`) the way the CLI's flags do.
    """

    def __init__(
        self,
        *,
        policy: Union[PathLike, Policy, None] = None,
        dirs: Optional[Mapping[str, Union[PathLike, Dir]]] = None,
        limits: Optional[Limits] = None,
        modules: Optional[Iterable[str]] = None,
        functions: Optional[Mapping[str, Callable[..., Any]]] = None,
        seed: Optional[int] = None,
        clock: Any = None,
        on_output: Optional[Callable[[str, str], None]] = None,
        engine: Optional[Engine] = None,
    ) -> None:
        self._raw = _capy.RawSandbox(
            engine if engine is not None else _capy.default_engine(),
            policy,
            dict(dirs) if dirs is not None else None,
            limits,
            list(modules) if modules is not None else None,
            dict(functions) if functions is not None else None,
            seed,
            clock,
            on_output,
        )

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, code: str, *, filename: Optional[str] = None, check: bool = False) -> Outcome:
        """Runs ``code`` as ``__main__``. A script exception or limit is in
        the outcome's ``error`` (raised instead with ``check=True``)."""
        outcome = _outcome(self._raw.run(code, filename, None))
        return outcome.check() if check else outcome

    async def run_async(
        self, code: str, *, filename: Optional[str] = None, check: bool = False
    ) -> Outcome:
        """:meth:`run` for asyncio: the guest runs in the loop's default
        executor, and async host functions are awaited on this loop.
        Cancelling the task interrupts the script."""
        loop = asyncio.get_running_loop()
        raw = await self._in_executor(loop, self._raw.run, code, filename, loop)
        outcome = _outcome(raw)
        return outcome.check() if check else outcome

    def load(self, source: str) -> "Plugin":
        """Runs ``source``'s top level once (raising if it fails) and
        returns a :class:`Plugin` that calls its functions, keeping state."""
        return Plugin(self, _outcome(self._raw.load(source, None)).check())

    async def load_async(self, source: str) -> "Plugin":
        """:meth:`load` for asyncio."""
        loop = asyncio.get_running_loop()
        raw = await self._in_executor(loop, self._raw.load, source, loop)
        return Plugin(self, _outcome(raw).check())

    async def _in_executor(self, loop: asyncio.AbstractEventLoop, f: Callable[..., Any], *args: Any) -> Any:
        future = loop.run_in_executor(None, f, *args)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            self._raw.interrupt()
            raise

    def interrupt(self) -> None:
        """Raises ``KeyboardInterrupt`` in the running script (any thread)."""
        self._raw.interrupt()

    def terminate(self) -> None:
        """Stops the running script for good (any thread)."""
        self._raw.terminate()

    def revoke(self, name: str) -> None:
        """Revokes the directory grant ``name``, even mid-run."""
        self._raw.revoke(name)

    def revoke_function(self, name: str) -> None:
        """Revokes the host function ``name``, even mid-run."""
        self._raw.revoke_function(name)

    @property
    def stopped(self) -> bool:
        """Whether a crash, a trapping limit or ``terminate`` stopped it."""
        return bool(self._raw.stopped)

    def close(self) -> None:
        """Frees the interpreter now; later calls raise."""
        self._raw.close()


class Plugin:
    """A loaded plugin: call its functions by name with plain data."""

    def __init__(self, sandbox: Sandbox, outcome: Outcome) -> None:
        self.sandbox = sandbox
        self.stdout = outcome.stdout
        """Output of the last call (or of the top level)."""
        self.stderr = outcome.stderr

    def call(self, name: str, /, *args: Any, **kwargs: Any) -> Any:
        """Calls the plugin's function ``name``; raises :class:`ScriptError`,
        :class:`LimitExceeded`, :class:`NoSuchFunction`, ..."""
        value, self.stdout, self.stderr = self.sandbox._raw.call(name, args, kwargs, None)
        return value

    async def call_async(self, name: str, /, *args: Any, **kwargs: Any) -> Any:
        """:meth:`call` for asyncio."""
        loop = asyncio.get_running_loop()
        sandbox = self.sandbox
        value, self.stdout, self.stderr = await sandbox._in_executor(
            loop, sandbox._raw.call, name, args, kwargs, loop
        )
        return value
