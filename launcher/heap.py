"""Keep Python's full garbage collections short while the window loads its lists.

A full (generation 2) collection walks every tracked object, and during start-up that means
PySide6's and botocore's module data and botocore's service models: about 20 ms with the GIL
held, which stalls the GUI thread (measured with benchmarks/large_account.py). These objects
live until the process exits, so `gc.freeze()` moves them out of the collector's reach.
Objects freed by reference counting are still freed; only cycles among frozen objects stay.
"""

from __future__ import annotations

import gc
import logging
import threading

log = logging.getLogger(__name__)

_frozen_reasons: set[str] = set()
_lock = threading.Lock()


def freeze_long_lived(reason: str) -> None:
    """Move every object alive now to the permanent generation, once per `reason`."""
    with _lock:
        if reason in _frozen_reasons:
            return
        _frozen_reasons.add(reason)
    gc.freeze()
    log.debug("Froze %d long-lived objects (%s)", gc.get_freeze_count(), reason)
