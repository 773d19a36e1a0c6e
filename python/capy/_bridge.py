"""Awaiting an async host function from the guest's thread."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Optional


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def wait(awaitable: Awaitable[Any], loop: Optional[asyncio.AbstractEventLoop]) -> Any:
    """The result of ``awaitable``: on ``loop`` (the one ``run_async`` was
    awaited on, which is free because the guest runs in an executor
    thread), or on a fresh loop for the blocking API."""
    if loop is not None:
        return asyncio.run_coroutine_threadsafe(_await(awaitable), loop).result()
    return asyncio.run(_await(awaitable))
