"""``pyknative serve``'s process side: logging, the event loop, signals, and a bounded stop.

SIGTERM or SIGINT stop the platform; a platform busy reconciling still stops within :data:`STOP_DEADLINE`
seconds of the signal. The deadline is armed by the signal handler itself (a plain Python handler, which runs
even while a loop callback does not return), which then asks the loop to begin the stop: the controllers' work
queues are shut at once (each worker ends after the reconcile it is in), then ``platform.stop()`` runs. A stop
that overruns the deadline ends the process with exit code 1 after saying so, having killed its instances'
sessions and descendants first (the runtime's ``kill_now``); so does a second signal."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import sys
from collections.abc import Callable

from pyknative.errors import PyknativeError

#: seconds from SIGTERM/SIGINT to the process's exit, whatever the platform is doing
STOP_DEADLINE = 10.0

log = logging.getLogger("pyknative")


async def serve(platform, *, ready: Callable[[object], None] | None = None) -> None:
    """Start ``platform``, call ``ready``, run until SIGTERM/SIGINT, then stop it within the deadline."""
    stop = asyncio.Event()

    def begin_stop() -> None:
        platform.quiesce()
        stop.set()

    signals = _StopSignals(asyncio.get_running_loop(), begin_stop, on_exit=getattr(platform, "kill_now", None))
    try:
        starting = asyncio.ensure_future(platform.start())
        stopped = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({starting, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if starting not in done:  # a signal while starting: give up the start
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
        else:
            starting.result()
            if ready is not None:
                ready(platform)
            await stopped
        log.info("stopping (at most %gs after the signal)", STOP_DEADLINE)
        await platform.stop()
    finally:
        signals.restore()


class _StopSignals:
    """SIGTERM/SIGINT handlers that start the stop deadline at the signal itself, then wake the loop.

    They are plain :func:`signal.signal` handlers, which Python runs in the main thread between two bytecodes,
    even in the middle of a loop callback that runs for seconds; a loop signal handler
    (``loop.add_signal_handler``) would only run once the loop polls again. The first signal arms the deadline
    and schedules ``wake`` on the loop; a second one ends the process at once.
    """

    _SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(
        self, loop: asyncio.AbstractEventLoop, wake: Callable[[], None], on_exit: Callable[[], None] | None = None
    ) -> None:
        self._loop = loop
        self._wake = wake
        self._on_exit = on_exit
        self._received = False
        self._previous = {sig: signal.signal(sig, self._handle) for sig in self._SIGNALS}

    def _handle(self, signum: int, _frame) -> None:
        if self._received:
            _exit_now(self._on_exit)
        self._received = True
        _arm_deadline(STOP_DEADLINE, self._on_exit)
        self._loop.call_soon_threadsafe(self._wake)

    def restore(self) -> None:
        """Put back the handlers from before, and disarm the deadline (the stop returned in time)."""
        signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)


def _arm_deadline(seconds: float, on_exit: Callable[[], None] | None = None) -> None:
    """End the process if the stop has not returned after ``seconds`` (SIGALRM runs even if the loop is stuck)."""

    def expired(_signum, _frame) -> None:
        print(f"pyknative: stop took longer than {seconds:g}s; exiting", file=sys.stderr, flush=True)
        _exit(on_exit)

    signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def _exit_now(on_exit: Callable[[], None] | None = None) -> None:
    print("pyknative: second signal; exiting now", file=sys.stderr, flush=True)
    _exit(on_exit)


def _exit(on_exit: Callable[[], None] | None) -> None:
    if on_exit is not None:
        try:
            on_exit()
        except BaseException:  # noqa: BLE001 - exiting whatever happens
            pass
    os._exit(1)


def main(
    config_path: str | None,
    data_dir: str | None,
    gateway_port: int | None,
    admin_port: int | None,
    eventing_port: int | None = None,
) -> int:
    from pyknative.platform import Platform

    logging.basicConfig(
        level=os.environ.get("PYKNATIVE_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    overrides = {
        "data-dir": data_dir,
        "gateway-port": gateway_port,
        "admin-port": admin_port,
        "eventing-port": eventing_port,
    }
    try:
        platform = Platform.from_config(
            config_path, overrides={k: v for k, v in overrides.items() if v is not None}
        )
        platform.check_backends()
    except PyknativeError as e:
        print_error(e)
        return 2

    def ready(p) -> None:
        tune_gc()
        print(
            f"pyknative ready: gateway {p.listener_url('gateway')} admin {p.listener_url('admin')} "
            f"events {p.listener_url('events')} data {p.data_dir}",
            flush=True,
        )

    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux and macOS
        runner = asyncio.run
    try:
        runner(serve(platform, ready=ready))
    except PyknativeError as e:
        print_error(e)
        return 2
    return 0


#: the collector's thresholds once serving (CPython's defaults: 700, 10, 10)
GC_THRESHOLDS = (10_000, 20, 20)


def tune_gc() -> None:
    """Fewer collections for a process that holds many long-lived objects (the informers' caches, a model
    object per stored object): what start-up made moves to the permanent generation (``gc.freeze``), and the
    young generation collects every 10,000 allocations instead of 700. With 1,000 Services the defaults spent
    about 7 s in the collector during the ramp (23 full collections over the whole heap), these about 1.7 s,
    at the same memory."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def print_error(e: PyknativeError) -> None:
    errors = getattr(e, "errors", None)
    if errors:
        for err in errors:
            print(f"error: {err}", file=sys.stderr)
    else:
        print(f"error: {e}", file=sys.stderr)
