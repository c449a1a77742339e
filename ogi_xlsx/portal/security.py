"""Secrets of the portal: the office password, unit link tokens, sessions, CSRF and the login rate limit.

Standard library only. Unit links are 256-bit tokens derived with HMAC-SHA256 from a server key
kept in the data folder (``secret.key``, mode 0600) and the unit's link generation: the database
holds only their SHA-256, yet the office can list the links again (``portal links``) and
re-issue one (new generation = the old link is dead) without anyone keeping the tokens in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import deque
from pathlib import Path

# scrypt parameters: 16 MiB of memory, ~50 ms here; stored with the hash so they can grow later.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD_CHARS = 8


def hash_password(password: str) -> str:
    """A salted scrypt hash as ``scrypt$n$r$p$salt$hash`` (hex)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches ``stored`` (constant-time compare; False for no or a malformed hash)."""
    if not stored:
        return False
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        actual = hashlib.scrypt(
            password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual.hex(), digest)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_key(data_dir: Path) -> bytes:
    """The server key of ``data_dir`` (created on first use, readable by the owner only)."""
    path = Path(data_dir) / "secret.key"
    if not path.exists():
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, key.hex().encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    return bytes.fromhex(path.read_text().strip())


def unit_token(key: bytes, collection_id: int, code: str, generation: int) -> str:
    """The link token of a unit (43 URL-safe characters, 256 bits)."""
    mac = hmac.new(key, f"unit-link\0{collection_id}\0{code}\0{generation}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def new_secret() -> str:
    """A fresh random token (sessions, CSRF)."""
    return secrets.token_urlsafe(32)


def unit_csrf(key: bytes, token_hash: str) -> str:
    """The CSRF value of a unit page's forms: bound to the link, unknown to anyone without it."""
    return hmac.new(key, f"unit-csrf\0{token_hash}".encode(), hashlib.sha256).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    """Constant-time string compare (False when either is missing)."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


class RateLimiter:
    """At most ``limit`` failed attempts per client address in ``window`` seconds."""

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.setdefault(client, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def blocked(self, client: str) -> float:
        """Seconds the client must still wait (0 when it may try)."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(client, now)
            if len(times) < self.limit:
                return 0.0
            return max(0.0, self.window - (now - times[0]))

    def failed(self, client: str) -> None:
        with self._lock:
            self._recent(client, time.monotonic()).append(time.monotonic())

    def reset(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)
