"""Shared fixtures."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# helpers of the tests (hostile.py, strategies.py …) and tools/lo.py (LibreOffice, shared with tools/)
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import lo

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def libreoffice():
    """The LibreOffice helper module; skips only when soffice is absent and CI is unset."""
    if lo.soffice_path() is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is required in CI (.ci/run installs libreoffice-calc)")
        pytest.skip("LibreOffice not installed (runs in CI)")
    return lo


@pytest.fixture(autouse=True, scope="session")
def _private_result_cache(tmp_path_factory):
    """validate/merge keep results in the user's cache folder: the tests use a private one."""
    old = os.environ.get("OGI_XLSX_CACHE_DIR")
    os.environ["OGI_XLSX_CACHE_DIR"] = str(tmp_path_factory.mktemp("ogi-cache"))
    yield
    if old is None:
        os.environ.pop("OGI_XLSX_CACHE_DIR", None)
    else:
        os.environ["OGI_XLSX_CACHE_DIR"] = old


def pytest_collection_modifyitems(config, items):
    """Tests that drive a real client (LibreOffice, Chromium) take seconds: they are slow too,
    so `pytest -m "not slow"` is a quick loop and CI (plain `pytest`) still runs everything."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if (
            "libreoffice" in fixtures
            or "chromium" in fixtures
            or item.get_closest_marker("libreoffice")
            or item.get_closest_marker("chromium")
        ):
            item.add_marker(pytest.mark.slow)
