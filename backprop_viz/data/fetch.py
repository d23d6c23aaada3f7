"""Download the lesson's admissions file from its public source, check that it is the
lesson's data, and save it where the app looks for it.

The check compares the data, not the bytes: the file is parsed by the project's own
admissions reader, must have 400 rows, and the SHA-256 of its parsed values (admit, gre,
gpa, rank as little-endian float64, row by row) must equal `ADMISSIONS_SHA256`. Line
endings, a byte-order mark or spacing therefore do not matter. Anything wrong raises a
one-sentence DataError and nothing is saved; a good file replaces the target atomically.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import socket
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from ..errors import DataError, cut
from ..limits import MAX_FETCH_BYTES, MAX_FETCH_SECONDS
from .admissions import ADMISSIONS_COLUMNS, default_path, read_admissions_csv

ADMISSIONS_URL = "https://stats.oarc.ucla.edu/stat/data/binary.csv"
URL_ENV = "BACKPROP_VIZ_ADMISSIONS_URL"
ADMISSIONS_ROWS = 400
# SHA-256 of the lesson's file's parsed values (see `data_checksum`), computed from the
# lesson's binary.csv.
ADMISSIONS_SHA256 = "5384c81b10576109b3419647d737080559c47a84b303d68f16583591ad8b23a1"
_CHUNK = 16 * 1024


@dataclass(frozen=True)
class FetchResult:
    """A checked, saved admissions file."""

    path: Path  # where it was saved
    rows: int
    url: str  # where it came from
    size: int  # bytes downloaded


def data_checksum(frame: pd.DataFrame) -> str:
    """SHA-256 (hex) of admissions data's values: the columns admit, gre, gpa, rank, in
    that order, as little-endian float64, row after row."""
    values = np.column_stack([frame[c].to_numpy(dtype=np.float64) for c in ADMISSIONS_COLUMNS])
    return hashlib.sha256(np.ascontiguousarray(values, dtype="<f8").tobytes()).hexdigest()


def admissions_url(url: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The address to download from: `url` if given, else BACKPROP_VIZ_ADMISSIONS_URL (in
    `env`, default `os.environ`) if set and not blank, else `ADMISSIONS_URL`."""
    if url is not None:
        return url
    named = (os.environ if env is None else env).get(URL_ENV, "").strip()
    return named or ADMISSIONS_URL


def _host(url: str) -> str:
    """The part of an address a message names: its host (and port), cut short."""
    try:
        netloc = urlsplit(url).netloc.rpartition("@")[2]  # never echo a user:password
    except ValueError:
        netloc = ""
    return cut(netloc or url)


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError:
        raise DataError(f"The address {cut(url)!r} is not a valid web address.") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise DataError(
            f"The address {cut(url)!r} is not an http:// or https:// address; only those "
            "are downloaded."
        )
    if not parts.hostname:
        raise DataError(f"The address {cut(url)!r} names no server.")


class _WebOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http and https addresses only (urllib's own would also follow
    one to ftp)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise DataError(
                f"The server at {_host(req.full_url)} redirected the download to an address "
                "that is not http:// or https://, so it was refused."
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    """An opener that speaks http and https only: no file:, ftp: or data: handlers."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),  # the usual *_proxy variables are respected
        urllib.request.UnknownHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        _WebOnlyRedirects(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _reason(exc: BaseException) -> str:
    """Why a connection failed, in a few words."""
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, socket.gaierror):
        return "its name could not be looked up, so this machine may be offline"
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(reason, TimeoutError):
        return "it did not answer in time"
    text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    return cut(" ".join(str(text).split()), 80)


def download(url: str, timeout: float = MAX_FETCH_SECONDS) -> bytes:
    """The body at `url` (http or https), at most MAX_FETCH_BYTES, within `timeout`
    seconds in all. Raises DataError with the reason otherwise."""
    _check_url(url)
    host = _host(url)
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"User-Agent": "backprop-viz fetch-data"})
    limit_kb = MAX_FETCH_BYTES // 1024
    try:
        with _opener().open(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            # Refused before reading when the server says how large it is.
            size = int(declared) if declared and declared.strip().isdigit() else None
            if size is not None and size > MAX_FETCH_BYTES:
                raise DataError(
                    f"The file at {host} is {size:,} bytes, larger than the {limit_kb} KB "
                    "limit for the admissions file, so it was not downloaded."
                )
            body = bytearray()
            # read1: whatever has arrived, so that a trickling body meets the deadline
            # (read(n) waits for n bytes, which a byte every 50 ms takes minutes to fill).
            while chunk := response.read1(_CHUNK):
                body += chunk
                # And while reading, for a server that does not say or says wrong.
                if len(body) > MAX_FETCH_BYTES:
                    raise DataError(
                        f"The file at {host} is larger than the {limit_kb} KB limit for the "
                        "admissions file, so the download was stopped."
                    )
                if time.monotonic() > deadline:
                    raise DataError(
                        f"The download from {host} took longer than {timeout:g} seconds, so "
                        "it was stopped."
                    )
    except DataError:
        raise
    except urllib.error.HTTPError as exc:
        raise DataError(
            f"The server at {host} answered {exc.code} ({cut(exc.reason, 60)}) instead of "
            "the admissions file."
        ) from None
    except urllib.error.URLError as exc:
        raise DataError(f"Could not reach {host}: {_reason(exc)}.") from None
    except TimeoutError as exc:
        raise DataError(f"Could not download from {host}: {_reason(exc)}.") from None
    except (OSError, HTTPException, ValueError) as exc:
        raise DataError(f"The download from {host} failed: {_reason(exc)}.") from None
    return bytes(body)


def check_admissions(data: bytes, source: str = "the download") -> pd.DataFrame:
    """The admissions data in `data`, if it is the lesson's: parsed by the project's
    admissions reader, 400 rows, and values whose checksum is ADMISSIONS_SHA256.
    `source` names where it came from in messages. Raises DataError otherwise."""
    named = io.BytesIO(data)
    named.name = f"from {source}"  # the reader's messages say "The admissions file from …"
    frame = read_admissions_csv(named)
    if len(frame) != ADMISSIONS_ROWS:
        raise DataError(
            f"The admissions file from {source} has {len(frame):,} rows, not the lesson's "
            f"{ADMISSIONS_ROWS}, so it was not saved."
        )
    if data_checksum(frame) != ADMISSIONS_SHA256:
        raise DataError(
            f"The admissions file from {source} has values that differ from the lesson's "
            "data (its checksum does not match), so it was not saved."
        )
    return frame


def save_atomically(data: bytes, target: Path) -> None:
    """Write `data` to `target` through a temporary file in the same folder and
    `os.replace`: the target is either the old file or the whole new one, never a part."""
    if target.is_dir():
        raise DataError(f"{cut(str(target), 120)} is a folder; give a file path to save to.")
    temp: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
        temp = None
    except OSError as exc:
        raise DataError(
            f"Could not save the admissions file to {cut(str(target), 120)} "
            f"({exc.strerror or type(exc).__name__}); give another path, or set "
            "BACKPROP_VIZ_DATA_DIR to a folder that can be written."
        ) from None
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):  # the save already failed: say that
                os.unlink(temp)


def fetch_admissions(
    url: str | None = None,
    to: str | os.PathLike | None = None,
    *,
    timeout: float = MAX_FETCH_SECONDS,
    env: Mapping[str, str] | None = None,
) -> FetchResult:
    """Download the lesson's admissions file, check it and save it.

    `url` defaults to BACKPROP_VIZ_ADMISSIONS_URL, else ADMISSIONS_URL; `to` defaults to
    `default_path()` (`data/binary.csv`, or in BACKPROP_VIZ_DATA_DIR), where the app and
    the command line look. The file is saved as downloaded, only once it has passed every
    check. Raises DataError (one sentence) when offline, on an HTTP error, a body over
    MAX_FETCH_BYTES, data that is not the lesson's, or a target that cannot be written;
    then nothing is saved.
    """
    address = admissions_url(url, env)
    target = Path(to) if to is not None else default_path(env=env)
    data = download(address, timeout)
    frame = check_admissions(data, _host(address))
    save_atomically(data, target)
    return FetchResult(path=target.resolve(), rows=len(frame), url=address, size=len(data))
