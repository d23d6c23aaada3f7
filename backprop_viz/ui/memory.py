"""Memory a class leaves on the server, given back once its tabs are gone for good.

Streamlit 1.67 keeps a closed tab's session for `server.disconnectedSessionTTL` seconds, so
that a reconnecting tab finds its state. After that the session is only *hidden*: it stays
in the server's session store until some later tab disconnects, and even then it is
dropped without being shut down, so its uploaded files, download data and dataframe
sources stay in the server's managers for good. A class that leaves all at once is never
followed by that later disconnect. The caches shared by all sessions (every configuration
stepped, every run trained, up to their entry limits) also stay, for nobody.

`release_closed_sessions()` starts, once per server process, a sweep on the server's own
event loop (where Streamlit itself opens, closes and stores sessions). Every SWEEP_EVERY_S
seconds it shuts down each expired session the way Streamlit closes one; once no tab has
been connected for the disconnected-session lifetime, it also empties the app's caches
(the next visitor's first run computes what it needs again). After either, it runs the
garbage collector and asks the C allocator to hand freed heap back to the system (glibc's
`malloc_trim`; elsewhere that step is skipped).

Start the server with MALLOC_ARENA_MAX=2 in its environment, too: each session runs its
script on a thread of its own, glibc gives threads that allocate at the same time arenas
of their own (8 per core), and memory freed into one arena is not found by the next
thread, so a class arriving at once leaves many part-empty arenas behind (glibc reads the
variable at start-up: it cannot be set from here).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import threading
import time
from asyncio import AbstractEventLoop
from typing import Any

import streamlit as st
from streamlit import config
from streamlit.logger import get_logger
from streamlit.runtime import Runtime, RuntimeState

SWEEP_EVERY_S = 10.0  # how late after its expiry a session is shut down, at most

_log = get_logger(__name__)  # in the server log, at Streamlit's log level
_lock = threading.Lock()
_started = False


def _libc_function(name: str) -> Any:
    """A function of the C library by name, or None (not glibc, or not found)."""
    path = ctypes.util.find_library("c")
    if path is None:
        return None
    try:
        return getattr(ctypes.CDLL(path), name, None)
    except OSError:
        return None


_malloc_trim = _libc_function("malloc_trim")


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


class Sweeper:
    """Shuts down expired sessions and, after an idle spell, empties the caches.

    `sweep()` must run on the server's event loop thread, as Streamlit's own session
    closing does. `idle_s` defaults to the disconnected-session lifetime.
    """

    def __init__(self, idle_s: float | None = None) -> None:
        self.idle_s = (
            float(config.get_option("server.disconnectedSessionTTL")) if idle_s is None else idle_s
        )
        # Sessions in the store at the last sweep, by id. Streamlit also drops expired
        # sessions itself, without shutting them down, whenever another tab disconnects:
        # one that left the store since the last sweep and is not active is shut down.
        self._stored: dict[str, Any] = {}
        self._idle_since: float | None = None
        self._caches_emptied = False

    def sweep(self) -> int:
        """Shut down every session whose disconnected lifetime has passed (and every one
        Streamlit dropped since the last sweep); empty the caches once the server has had
        no tab for `idle_s`; then, if anything went, collect garbage and trim the heap.
        Returns how many sessions were shut down."""
        if not Runtime.exists():
            return 0
        runtime = Runtime.instance()
        ended = self._end_expired_sessions(runtime)
        emptied = self._empty_caches_if_idle(runtime)
        if ended or emptied:
            gc.collect()
            trim_heap()
        if ended:
            _log.info("released %d expired sessions", ended)
        if emptied:
            _log.info("emptied the caches: no tab for %.0f s", self.idle_s)
        return ended

    def _end_expired_sessions(self, runtime: Runtime) -> int:
        store = _session_store(runtime)
        if store is None:
            return 0
        cache, lock = store
        with lock:
            ended = dict(cache.expire())
            stored = dict(getattr(cache, "_data", {}))
        for sid, info in self._stored.items():
            if sid not in stored and not runtime.is_active_session(sid):
                ended[sid] = info
        self._stored = stored
        for info in ended.values():
            try:
                info.session.shutdown()  # does nothing to a session already shut down
            except Exception:  # one session's failure must not stop the sweep
                _log.exception("shutting down an expired session failed")
        return len(ended)

    def _empty_caches_if_idle(self, runtime: Runtime) -> bool:
        if runtime.state != RuntimeState.NO_SESSIONS_CONNECTED:
            self._idle_since = None
            self._caches_emptied = False
            return False
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        if self._caches_emptied or now - self._idle_since < self.idle_s:
            return False
        st.cache_resource.clear()
        st.cache_data.clear()
        self._caches_emptied = True
        return True


def _sweep_and_reschedule(sweeper: Sweeper, loop: AbstractEventLoop, every_s: float) -> None:
    try:
        sweeper.sweep()
    except Exception:
        _log.exception("the memory sweep failed")
    loop.call_later(every_s, _sweep_and_reschedule, sweeper, loop, every_s)


def release_closed_sessions(every_s: float = SWEEP_EVERY_S, idle_s: float | None = None) -> bool:
    """Start the sweep for this server process, once; later calls return at once. Returns
    whether the sweep runs (it does not under AppTest or without a server). `idle_s`: how
    long the server must have had no tab before its caches are emptied (default: the
    disconnected-session lifetime)."""
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
        sweeper = Sweeper(idle_s)
        loop.call_soon_threadsafe(
            loop.call_later, every_s, _sweep_and_reschedule, sweeper, loop, every_s
        )
        _started = True
        return True
