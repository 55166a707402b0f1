"""netpol.core.collector: the cyclic collector paused while netpol builds what it keeps, frozen
afterwards only in netpol's own process."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from netpol.core import collector


def test_paused_disables_the_collector_and_gives_it_back(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():  # re-entrant: the inner one changes nothing
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    assert frozen == []  # a library caller's heap is never frozen


def test_a_collector_the_caller_disabled_stays_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_in_netpols_own_process_what_was_built_is_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    monkeypatch.setattr(collector, "_own_process", True)
    with collector.paused(), collector.paused():
        pass
    assert frozen == [True]  # once, by the outermost pause
    assert gc.isenabled()


def test_the_command_takes_its_process() -> None:
    code = "import netpol.cli as c, netpol.core.collector as g; c.take_process(); print(g.owns_process())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"
    assert not collector.owns_process()  # the test process is not netpol's own
