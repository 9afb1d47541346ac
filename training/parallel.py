"""Drawing many images on every core: one helper, used by the data sets that re-draw digits and letters."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterable


def parallel_map(function: Callable, *iterables: Iterable, workers: int | None = None) -> list:
    """[function(*arguments) for arguments in zip(*iterables)], in order, on up to `workers` processes (default:
    one a core; one means in this process). Spawned, not forked: the caller may already run TensorFlow's
    threads. `function` and its arguments must pickle (a module-level function)."""
    arguments = list(zip(*iterables))
    workers = min(len(arguments), workers or os.cpu_count() or 1)
    if workers <= 1:
        return [function(*each) for each in arguments]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(function, *zip(*arguments)))
