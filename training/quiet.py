"""TensorFlow imported without the lines its C++ core writes to stderr as it loads.

tensorflow-cpu prints, on every import, lines such as "E0000 ... Unable to register cuDNN factory: Attempting to
register factory for plugin cuDNN when one has already been registered" (written before absl's logging starts, so
TF_CPP_MIN_LOG_LEVEL does not silence them). They report nothing wrong on a CPU machine, yet they stood in front of
every one-line error of convert.py and training.train. A command calls `import_tensorflow()` first; later imports
of tensorflow, tf_keras or tensorflowjs find it loaded. A Python error raised by the import still shows.
"""

from __future__ import annotations

import os
import sys


def import_tensorflow():
    """The tensorflow module, its load-time stderr lines dropped (only while it loads; once, then cached)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            import tensorflow
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    return tensorflow
