"""LibreOffice headless as the real spreadsheet client of the tests.

``roundtrip(paths, outdir)`` opens each workbook in LibreOffice Calc, lets it recalculate
and saves it again as .xlsx (what a clerk's "save" does). Pitfalls handled here: a private
profile per call (parallel runs collide otherwise), chunks of at most 200 files (one call
with more silently stops early), and a check that every output exists.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHUNK = 200

# LibreOffice keeps the cached value of a formula from an .xlsx by default ("never recalculate"
# for files it did not write). The tests want a real recalculation, so the private profile
# says "always recalculate" (OOXMLRecalcMode 0).
_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(paths: list[Path], outdir: Path, target: str = "xlsx", timeout: int = 300) -> list[Path]:
    """Convert files with LibreOffice headless; returns the outputs in input order."""
    soffice = soffice_path()
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    outdir.mkdir(parents=True, exist_ok=True)
    ext = target.split(":", 1)[0]
    outputs = []
    for start in range(0, len(paths), CHUNK):
        chunk = paths[start : start + CHUNK]
        with tempfile.TemporaryDirectory(prefix="ogi-lo-profile-") as profile:
            user = Path(profile) / "user"
            user.mkdir()
            (user / "registrymodifications.xcu").write_text(_RECALC_ALWAYS, encoding="utf-8")
            cmd = [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--calc",
                "--convert-to",
                target,
                "--outdir",
                str(outdir),
                *map(str, chunk),
            ]
            env = {**os.environ, "HOME": profile}
            subprocess.run(cmd, check=True, capture_output=True, timeout=timeout, env=env)
        for path in chunk:
            out = outdir / (path.stem + "." + ext)
            if not out.exists():
                raise RuntimeError(f"LibreOffice did not write {out}")
            outputs.append(out)
    return outputs


def roundtrip(paths: list[Path], outdir: Path) -> list[Path]:
    """Open in LibreOffice, recalculate, save as .xlsx (Excel 2007-365 filter)."""
    return convert(paths, outdir, "xlsx:Calc MS Excel 2007 XML")
