# Stubs for the native module capy._capy (python/src/lib.rs).
import asyncio
import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

from ._errors import Error

AVAILABLE_MODULES: List[str]

class Engine:
    """The compiled guest, shared by the sandboxes made from it."""
    def __init__(self, *, cache_dir: Union[str, os.PathLike[str], None] = None) -> None: ...
    @property
    def loaded_from_cache(self) -> bool: ...

class Policy:
    """A policy: the same TOML as the CLI's ``--policy``."""
    @staticmethod
    def load(path: Union[str, os.PathLike[str]]) -> Policy: ...
    @staticmethod
    def from_toml(text: str, base_dir: Union[str, os.PathLike[str], None] = None) -> Policy: ...
    def to_toml(self) -> str: ...

def default_engine() -> Engine: ...
def roundtrip(value: Any) -> Any: ...

_RawOutcome = Tuple[str, str, Optional[Error], Tuple[float, float, int, int, int]]

class RawSandbox:
    def __init__(
        self,
        engine: Engine,
        policy: Any,
        dirs: Optional[Dict[str, Any]],
        limits: Any,
        modules: Optional[List[str]],
        functions: Optional[Dict[str, Callable[..., Any]]],
        seed: Optional[int],
        clock: Any,
        on_output: Optional[Callable[[str, str], None]],
    ) -> None: ...
    def run(
        self, source: str, filename: Optional[str] = None,
        event_loop: Optional[asyncio.AbstractEventLoop] = None,
    ) -> _RawOutcome: ...
    def load(
        self, source: str, event_loop: Optional[asyncio.AbstractEventLoop] = None
    ) -> _RawOutcome: ...
    def call(
        self, name: str, args: Tuple[Any, ...], kwargs: Optional[Mapping[str, Any]],
        event_loop: Optional[asyncio.AbstractEventLoop] = None,
    ) -> Tuple[Any, str, str]: ...
    def interrupt(self) -> None: ...
    def terminate(self) -> None: ...
    def revoke(self, name: str) -> None: ...
    def revoke_function(self, name: str) -> None: ...
    def close(self) -> None: ...
    @property
    def stopped(self) -> bool: ...
