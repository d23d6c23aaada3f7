"""Memory a closed tab leaves on the server, given back once its session has expired.

Streamlit 1.67 keeps a closed tab's session for `server.disconnectedSessionTTL` seconds, so
that a reconnecting tab finds its state. After that the session is only *hidden*: it stays
in the server's session store until some later tab disconnects, and even then it is
dropped without being shut down, so its uploaded files, download data and dataframe
sources stay in the server's managers for good. A class that leaves all at once is never
followed by that later disconnect.

`release_closed_sessions()` starts, once per server process, a sweep on the server's own
event loop (where Streamlit itself opens, closes and stores sessions) that every
SWEEP_EVERY_S seconds shuts down each expired session the way Streamlit closes one, and
after any such shutdown runs the garbage collector and asks the C allocator to hand freed
heap back to the system (glibc's `malloc_trim`; elsewhere that step is skipped).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import threading
from asyncio import AbstractEventLoop
from typing import Any

from streamlit.logger import get_logger
from streamlit.runtime import Runtime

SWEEP_EVERY_S = 30.0  # a session is shut down at most this long after it expires

_log = get_logger(__name__)  # in the server log, at Streamlit's log level
_lock = threading.Lock()
_started = False


def _load_malloc_trim() -> Any:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None)
    except OSError:
        return None


_malloc_trim = _load_malloc_trim()


def trim_heap() -> bool:
    """Ask the C allocator to return freed heap pages to the system; False if it cannot."""
    if _malloc_trim is None:
        return False
    _malloc_trim(0)
    return True


def _session_store(runtime: Runtime) -> tuple[Any, Any] | None:
    """The session manager's store of disconnected sessions (a TTL cache) and its lock, or
    None if this Streamlit keeps them some other way."""
    manager = getattr(runtime, "_session_mgr", None)
    storage = getattr(manager, "_session_storage", None)
    cache = getattr(storage, "_cache", None)
    if not callable(getattr(cache, "expire", None)):
        return None
    return cache, getattr(manager, "_storage_lock", None) or contextlib.nullcontext()


# Sessions in the store at the last sweep, by id. Streamlit also drops expired sessions
# itself, without shutting them down, whenever another tab disconnects: one that left the
# store since the last sweep without becoming active again is shut down here.
_stored: dict[str, Any] = {}


def sweep() -> int:
    """Shut down every disconnected session whose lifetime has passed (and every one that
    Streamlit dropped since the last sweep); then, if there was any, collect garbage and
    trim the heap. Returns how many sessions were shut down.

    Must run on the server's event loop thread, as Streamlit's own session closing does.
    """
    if not Runtime.exists():
        return 0
    runtime = Runtime.instance()
    store = _session_store(runtime)
    if store is None:
        return 0
    cache, lock = store
    with lock:
        ended = dict(cache.expire())
        stored = dict(getattr(cache, "_data", {}))
    for sid, info in _stored.items():
        if sid not in stored and not runtime.is_active_session(sid):
            ended[sid] = info
    _stored.clear()
    _stored.update(stored)
    for info in ended.values():
        try:
            info.session.shutdown()  # does nothing for a session already shut down
        except Exception:  # one session's failure must not stop the sweep
            _log.exception("shutting down an expired session failed")
    if ended:
        gc.collect()
        trim_heap()
        _log.info("released %d expired sessions", len(ended))
    return len(ended)


def _sweep_and_reschedule(loop: AbstractEventLoop, every_s: float) -> None:
    try:
        sweep()
    except Exception:
        _log.exception("the expired-session sweep failed")
    loop.call_later(every_s, _sweep_and_reschedule, loop, every_s)


def release_closed_sessions(every_s: float = SWEEP_EVERY_S) -> bool:
    """Start the expired-session sweep for this server process, once; later calls return
    at once. Returns whether the sweep runs (not under AppTest or without a server).
    """
    global _started
    if _started:
        return True
    with _lock:
        if _started:
            return True
        if not Runtime.exists():
            return False
        runtime = Runtime.instance()
        if _session_store(runtime) is None:
            _log.warning("this Streamlit keeps sessions differently: no expired-session sweep")
            return False
        try:
            loop = runtime._get_async_objs().eventloop
        except (AttributeError, RuntimeError):
            return False
        loop.call_soon_threadsafe(loop.call_later, every_s, _sweep_and_reschedule, loop, every_s)
        _started = True
        return True
