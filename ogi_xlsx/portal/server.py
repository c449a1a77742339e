"""Run the portal with uvicorn: one process, loopback by default, no access log with tokens in it."""

from __future__ import annotations

import logging
import sys
from pathlib import Path


def run(data_dir: str | Path, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the portal over ``data_dir`` until interrupted (Ctrl+C)."""
    import uvicorn

    from ogi_xlsx.portal.app import create_app

    # uvicorn's access log prints every URL, i.e. unit tokens: it is off, and the portal logs
    # each request itself with the token replaced by a hash prefix (app.Guard).
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    portal_log = logging.getLogger("ogi_xlsx.portal")
    portal_log.addHandler(handler)
    portal_log.setLevel(logging.INFO)
    portal_log.propagate = False
    uvicorn.run(
        create_app(data_dir, check_processes=2),
        host=host,
        port=port,
        access_log=False,
        log_level="warning",
        workers=1,
        proxy_headers=False,
        server_header=False,
    )
