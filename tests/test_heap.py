"""`launcher.heap.freeze_long_lived`: gc.freeze once per reason."""

from __future__ import annotations

import gc

from launcher import heap


def test_freeze_long_lived_freezes_once_per_reason(monkeypatch):
    calls = []
    monkeypatch.setattr(heap, "_frozen_reasons", set())
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))

    heap.freeze_long_lived("window built")
    heap.freeze_long_lived("window built")
    heap.freeze_long_lived("first client")

    assert calls == ["freeze", "freeze"]


def test_freeze_long_lived_moves_objects_to_permanent_generation(monkeypatch):
    monkeypatch.setattr(heap, "_frozen_reasons", set())
    gc.unfreeze()

    heap.freeze_long_lived("test objects")

    assert gc.get_freeze_count() > 0
    gc.unfreeze()
