"""Render the templates as LibreOffice prints them: one PNG per sheet under ``docs/``.

    python tools/render_docs.py

Needs LibreOffice (``soffice``), ``pdftoppm`` (poppler-utils) and a Chinese font
(``fonts-noto-cjk``; without it the labels print as boxes). Each sheet of the workbook
prints on exactly one page (fit to one page), so page n of the PDF is sheet n.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import lo  # noqa: E402

from ogi_xlsx.model.document import document_from_json  # noqa: E402
from ogi_xlsx.model.spec import all_formats  # noqa: E402
from ogi_xlsx.writing.template import write_workbook  # noqa: E402

DOCS = ROOT / "docs"
DPI = 80


def sheet_slugs(spec) -> list[str]:
    return ["cover", *(t.id for t in spec.tables)]


def main() -> None:
    if shutil.which("pdftoppm") is None or lo.soffice_path() is None:
        sys.exit("needs LibreOffice (soffice) and pdftoppm (poppler-utils)")
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        jobs: list[tuple[Path, str, list[str]]] = []
        for spec in all_formats():
            src = work / f"{spec.id}-blank.xlsx"
            shutil.copy(ROOT / "templates" / f"{spec.id}-blank.xlsx", src)
            jobs.append((src, f"{spec.id}-blank", sheet_slugs(spec)))
        doc = document_from_json(json.loads((ROOT / "examples" / "haibin-2024.json").read_text(encoding="utf-8")))
        filled = work / "example-return.xlsx"
        write_workbook(
            filled,
            doc.spec,
            year=doc.year,
            unit_code=doc.unit_code,
            unit_name=doc.unit_name,
            cover=dict(doc.cover),
            values=doc.values,
            kind="return",
        )
        jobs.append((filled, f"{doc.spec.id}-example", sheet_slugs(doc.spec)))
        pdfs = lo.convert([j[0] for j in jobs], work / "pdf", "pdf")
        for (_, stem, slugs), pdf in zip(jobs, pdfs, strict=True):
            for old in DOCS.glob(f"{stem}-*.png"):
                old.unlink()
            for page, slug in enumerate(slugs, start=1):
                target = DOCS / f"{stem}-{slug}"
                subprocess.run(
                    ["pdftoppm", "-png", "-r", str(DPI), "-f", str(page), "-l", str(page), "-singlefile", pdf, target],
                    check=True,
                )
                print(f"wrote {target.relative_to(ROOT)}.png")


if __name__ == "__main__":
    main()
