"""Older, unannotated code: mypy skips these bodies unless ``check_untyped_defs`` is on,
which ``mypy-dangling`` forces, so the dropped tasks here are found too.
"""

import asyncio

import some_uninstalled_library  # a missing import: reported by mypy, not by us


def start_background_jobs(loop):
    loop.create_task(refresh_cache())  # finding: an untyped receiver named "loop"
    asyncio.ensure_future(refresh_cache())  # finding: dangling-task


def start_more(tasks):
    tasks.append(asyncio.ensure_future(refresh_cache()))  # silent: kept in a list


async def refresh_cache() -> None:
    await some_uninstalled_library.refresh()
