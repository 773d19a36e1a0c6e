"""The exceptions capy raises, and what a run produced."""

from __future__ import annotations

import dataclasses
from typing import Optional


class Error(Exception):
    """The base of every capy error."""


class ScriptError(Error):
    """The script raised. Attributes show only virtual paths."""

    def __init__(self, type_name: str, message: str, traceback: str) -> None:
        super().__init__(f"{type_name}: {message}" if message else type_name)
        self.type_name = type_name
        self.message = message
        self.traceback = traceback


class LimitExceeded(Error):
    """A run hit a limit; ``limit`` names it: ``"cpu"``, ``"wall"``,
    ``"memory"``, ``"output"``, ``"total_cpu"``, ``"open_files"``,
    ``"handles"``, ``"audit_log"``, ``"bytes_written"`` or ``"files_created"`` (then
    ``grant`` names the grant)."""

    def __init__(self, limit: str, description: str, grant: Optional[str] = None) -> None:
        super().__init__(f"limit exceeded: {description}")
        self.limit = limit
        self.grant = grant


class SandboxCrashed(Error):
    """The guest itself failed (a trap); the sandbox cannot run again."""

    def __init__(self, message: str, trap: str = "", guest_message: str = "") -> None:
        super().__init__(message)
        self.trap = trap
        self.guest_message = guest_message


class Terminated(Error):
    """``Sandbox.terminate()`` stopped the run; the sandbox cannot run again."""


class SandboxStopped(Error):
    """An earlier failure stopped this sandbox for good; start a new one."""


class PolicyError(Error, ValueError):
    """A bad grant, policy, limit or module name."""


class NoSuchFunction(Error, LookupError):
    """``plugin.call`` named a function the plugin does not have."""

    def __init__(self, function: str) -> None:
        super().__init__(f"the plugin has no function {function!r}")
        self.function = function


class BadArguments(Error, TypeError):
    """``plugin.call``'s arguments are not plain data, or the function
    refused them."""

    def __init__(self, function: str, message: str) -> None:
        super().__init__(f"bad arguments for {function!r}: {message}")
        self.function = function
        self.message = message


class BadResult(Error, TypeError):
    """A plugin function returned something that is not plain data."""

    def __init__(self, function: str, message: str) -> None:
        super().__init__(f"unusable result from {function!r}: {message}")
        self.function = function
        self.message = message


@dataclasses.dataclass(frozen=True)
class Usage:
    """What a run cost."""

    cpu: float
    """Guest CPU seconds."""
    wall: float
    """Wall-clock seconds."""
    memory: int
    """Guest memory in bytes at the end of the run."""
    capability_calls: int
    host_function_calls: int


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a run produced. ``error`` holds how it failed (not raised)."""

    stdout: str
    stderr: str
    error: Optional[Error]
    usage: Usage

    def check(self) -> "Outcome":
        """Raises ``error`` if there is one; else returns self."""
        if self.error is not None:
            raise self.error
        return self
