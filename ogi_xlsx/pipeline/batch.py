"""Check a batch of files: the result cache, a process pool for many files, results in path order."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ogi_xlsx.model.limits import Limits
from ogi_xlsx.pipeline.check import check_file
from ogi_xlsx.pipeline.files import collect_paths, is_member, stat_file
from ogi_xlsx.pipeline.options import DEFAULT_OPTIONS, CheckOptions
from ogi_xlsx.pipeline.report import FileReport

PARALLEL_THRESHOLD = 8


def _check_one(args: tuple[Path, CheckOptions, Any]) -> FileReport:
    path, options, store = args
    report = check_file(path, options)
    if store is not None:
        store.store(report)
    return report


def _cached(store: Any, path: Path, limits: Limits | None) -> FileReport | None:
    """The cached report of ``path`` (hashed again every time), or None."""
    ok, report = stat_file(path, limits or Limits())
    return store.load(report) if ok else None


def check_paths(
    paths: Sequence[Path],
    options: CheckOptions = DEFAULT_OPTIONS,
    *,
    jobs: int | None = None,
    progress: Any = None,
    cache: bool = False,
    collected: bool = False,
    cache_text: Callable[[FileReport], tuple[str, int]] | None = None,
) -> list[FileReport]:
    """Check files and folders; results in sorted path order.

    ``collected``: ``paths`` is already the output of :func:`collect_paths` (not walked again).

    ``jobs``: worker processes (default: all cores when there are many files; 1 = serial).
    ``progress``: optional callable invoked once per finished file.
    ``cache``: reuse and store results in the user's cache (see :mod:`ogi_xlsx.pipeline.cache`).
    ``cache_text``: ``report -> (text, width)``, the front end's printed lines stored with each entry
    (a module-level function; see :class:`~ogi_xlsx.pipeline.cache.ResultCache`).
    """
    files = list(paths) if collected else collect_paths(paths)
    store = None
    if cache:
        from ogi_xlsx.pipeline.cache import ResultCache, options_salt

        store = ResultCache(options_salt(options), text_for=cache_text)
    results: list[FileReport | None] = [None] * len(files)
    todo: list[int] = []
    # Cached reports are acyclic data, freed by reference counting; the cyclic GC would only
    # rescan the growing list of them (~10% of a warm re-validation of 1,000 files).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for index, path in enumerate(files):
            # members of a .zip attachment are read from memory each time (they have no file to stat)
            hit = _cached(store, path, options.limits) if store is not None and not is_member(path) else None
            if hit is None:
                todo.append(index)
                continue
            results[index] = hit
            if progress is not None:
                progress()
    finally:
        if collecting:
            gc.enable()
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    done = 0
    if workers > 1 and len(todo) >= PARALLEL_THRESHOLD:
        # Imported here: multiprocessing costs ~15 ms of start-up that a warm cache never needs.
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        try:
            with ProcessPoolExecutor(max_workers=min(workers, len(todo))) as pool:
                chunk = max(1, min(32, len(todo) // (workers * 4)))
                work = [(files[i], options, store) for i in todo]
                for report in pool.map(_check_one, work, chunksize=chunk):
                    results[todo[done]] = report
                    done += 1
                    if progress is not None:
                        progress()
        except BrokenProcessPool:
            pass  # a worker died (out of memory, killed): finish the batch in this process
    for index in todo[done:]:
        results[index] = _check_one((files[index], options, store))
        if progress is not None:
            progress()
    return [r for r in results if r is not None]
