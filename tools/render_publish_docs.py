"""Render the published outputs as a reader sees them: PNGs under ``docs/publish-*.png``.

    python tools/render_publish_docs.py

The demo district's draft report (.docx through LibreOffice → PDF → pdftoppm, one PNG per
page; .html through headless Chromium) and the seed's 2019-format tables (.docx). Needs
LibreOffice (``soffice``), ``pdftoppm`` (poppler-utils), Chromium at /usr/bin/chromium and
a Chinese font (``fonts-noto-cjk``). Pillow, when installed, makes the PNGs smaller.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ogi_xlsx import api  # noqa: E402
from ogi_xlsx.demo import DRAFT_STEM, run_demo  # noqa: E402

DOCS = ROOT / "docs"
DPI = 60
CHROMIUM = "/usr/bin/chromium"


def pdf_pages(docx: Path, work: Path, prefix: str) -> None:
    """docx → PDF (LibreOffice, private profile) → one PNG per page in docs/."""
    with tempfile.TemporaryDirectory(prefix="ogi-lo-profile-") as profile:
        subprocess.run(
            [
                shutil.which("soffice") or "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(work),
                str(docx),
            ],
            check=True,
            capture_output=True,
        )
    for old in DOCS.glob(f"{prefix}-p*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(work / f"{docx.stem}.pdf"), str(work / prefix)], check=True)
    for page in sorted(work.glob(f"{prefix}-*.png")):
        number = int(page.stem.rsplit("-", 1)[1])
        shrink(page, DOCS / f"{prefix}-p{number}.png")


def shrink(source: Path, target: Path, width: int | None = None) -> None:
    try:
        from PIL import Image
    except ImportError:
        shutil.copy(source, target)
        return
    image = Image.open(source).convert("RGB")
    box = Image.eval(image.convert("L"), lambda p: 255 - p).getbbox()  # drop the blank bottom of a screenshot
    if box:
        image = image.crop((0, 0, image.width, min(image.height, box[3] + 20)))
    if width and image.width > width:
        image = image.resize((width, round(image.height * width / image.width)))
    image.convert("P", palette=Image.ADAPTIVE, colors=64).save(target, optimize=True)


def main() -> None:
    if shutil.which("pdftoppm") is None or shutil.which("soffice") is None or not Path(CHROMIUM).exists():
        sys.exit("needs LibreOffice (soffice), pdftoppm (poppler-utils) and Chromium")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run_demo(work / "demo", echo=lambda _line: None)
        draft = work / "draft.docx"
        shutil.copy(work / "demo" / f"{DRAFT_STEM}.docx", draft)
        pdf_pages(draft, work, "publish-draft-docx")
        seed = work / "seed.docx"
        api.publish(api.check_file(ROOT / "examples" / "seed-linjiang-2020.json"), seed)
        pdf_pages(seed, work, "publish-tables-2019-docx")
        shot = work / "html.png"
        subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--window-size=1000,3900",
                f"--screenshot={shot}",
                (work / "demo" / f"{DRAFT_STEM}.html").as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        shrink(shot, DOCS / "publish-draft-html.png", width=800)


if __name__ == "__main__":
    main()
