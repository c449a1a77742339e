"""Benchmark the lean reader against the floor and openpyxl.

The floor (issue 7): open the zip and parse every worksheet and the shared strings with the
standard library's ElementTree, collecting every cell value. ``read_xlsx`` must stay within
2x of it so that the whole validation fits in 3x.

    python benchmarks/read.py [-n 200] [--repeat 5] [--no-libreoffice] [--no-openpyxl]

Workbooks are written here with xlsxwriter (about 260 numeric inputs, 35 formulas with
cached values, 80 labels and a defined name per value cell over 4 sheets, protected, inputs
unlocked), plus the first 50 saved once through LibreOffice when soffice is available.
Times are CPU time of this process (stable on a busy machine), medians of the runs.

Measured 2026-11-23 (2-core machine shared with other jobs; 200 files, medians of 5):
xlsxwriter files   floor 1.95 ms, read_xlsx 3.49 ms (1.8x), openpyxl 27.4 ms (14x);
LibreOffice files  floor 4.10 ms, read_xlsx 10.35 ms (2.5x), openpyxl 45.7 ms (11x).
Single-file runs on a quieter machine gave 2.4x and 2.2x. What read_xlsx parses beyond the
floor: workbook.xml (one defined name per value cell: as big as all sheets together,
~0.4x the floor on its own), styles.xml, rels and docProps; and it builds a RawCell per cell.
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ogi_xlsx.reading.xlsx import read_xlsx

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
SHEETS = [("封面", 0, 0, 6), ("表二", 12, 6, 20), ("表三", 24, 8, 30), ("表四", 4, 16, 24)]


def make_workbook(seed: int) -> bytes:
    """One return-like workbook: labels, unlocked numeric inputs, SUM formulas with cached values."""
    import xlsxwriter

    rng = random.Random(seed)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_custom_property("ogi_format", "2021")
    wb.set_custom_property("ogi_unit", f"unit-{seed}")
    locked = wb.add_format({"border": 1})
    unlocked = wb.add_format({"border": 1, "locked": False, "num_format": "0"})
    money = wb.add_format({"border": 1, "locked": False, "num_format": "0.0000"})
    for index, (name, rows, cols, labels) in enumerate(SHEETS):
        ws = wb.add_worksheet(name)
        ws.protect()
        ws.merge_range(0, 0, 0, max(cols, 3), f"{name} 政府信息公开情况统计表", locked)
        for i in range(labels):
            ws.write_string(2 + i % max(rows, 1), 0 if i < rows else 1 + i % 3, f"（{i}）标签文字 {name}", locked)
        if index == 0:
            for i in range(6):
                ws.write_string(2 + i, 1, f"封面字段 {i} 单位名称某某街道办事处", unlocked)
            continue
        for r in range(rows):
            total = 0
            for c in range(cols):
                fmt = money if c == cols - 1 and index == 2 else unlocked
                value = rng.randint(0, 50) if fmt is unlocked else round(rng.random() * 10, 4)
                total += value
                ws.write_number(3 + r, 2 + c, value, fmt)
                wb.define_name(f"ogi_{index}_{r}_{c}", f"='{name}'!${chr(67 + c)}${4 + r}")
            if r % 2 == 0 or index == 3:
                ws.write_formula(3 + r, 2 + cols, f"=SUM(C{4 + r}:{chr(66 + cols)}{4 + r})", locked, total)
    wb.close()
    return buf.getvalue()


def floor(data: bytes) -> int:
    """The floor of issue 7: zip open + ElementTree parse of every worksheet and the shared
    strings, collecting every cell value (address -> value text, shared strings as a list)."""
    n = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name == "xl/sharedStrings.xml":
                root = ET.fromstring(zf.read(name))
                strings = ["".join(t.text or "" for t in si.iter(f"{MAIN}t")) for si in root]
                n += len(strings)
            elif name.startswith("xl/worksheets/sheet"):
                root = ET.fromstring(zf.read(name))
                values = {}
                for c in root.iter(f"{MAIN}c"):
                    v = c.find(f"{MAIN}v")
                    values[c.get("r")] = None if v is None else v.text
                n += len(values)
    return n


def floor_minimal(data: bytes) -> int:
    """A lower floor: the same parses, touching only the <v> and <t> texts."""
    n = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet") or name == "xl/sharedStrings.xml":
                root = ET.fromstring(zf.read(name))
                for el in root.iter(f"{MAIN}v"):
                    n += el.text is not None
                for el in root.iter(f"{MAIN}t"):
                    n += el.text is not None
    return n


def lean(data: bytes) -> int:
    return len(read_xlsx(data).sheets)


def with_openpyxl(data: bytes) -> int:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    return len(wb.sheetnames)


def time_all(fns: dict, files: list[bytes], repeat: int) -> dict[str, float]:
    """Median over ``repeat`` runs of the mean time per file in ms, for each function.

    The functions take turns on every file and CPU time of this process is measured, so
    that a busy machine (other processes on the same cores) disturbs the ratios less.
    """
    runs: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        totals = dict.fromkeys(fns, 0.0)
        for data in files:
            for name, fn in fns.items():
                start = time.process_time()
                fn(data)
                totals[name] += time.process_time() - start
        for name, total in totals.items():
            runs[name].append(total / len(files) * 1000)
    return {name: statistics.median(values) for name, values in runs.items()}


def libreoffice_variant(files: list[bytes]) -> list[bytes] | None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
    import lo

    if lo.soffice_path() is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "src")
        src.mkdir()
        paths = []
        for i, data in enumerate(files):
            p = src / f"r{i}.xlsx"
            p.write_bytes(data)
            paths.append(p)
        # lo.roundtrip passes the filter name in quotes, which soffice rejects (no shell here).
        outs = lo.convert(paths, Path(tmp, "out"), "xlsx:Calc MS Excel 2007 XML")
        return [p.read_bytes() for p in outs]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-libreoffice", action="store_true")
    ap.add_argument("--no-openpyxl", action="store_true")
    args = ap.parse_args()
    files = [make_workbook(i) for i in range(args.n)]
    variants = {"xlsxwriter": files}
    if not args.no_libreoffice and shutil.which("soffice"):
        lo_files = libreoffice_variant(files[: min(args.n, 50)])
        if lo_files:
            variants["libreoffice"] = lo_files
    cells = sum(len(s.cells) for s in read_xlsx(files[0]).sheets)
    print(f"{args.n} workbooks, {len(files[0])} bytes and {cells} cells each; medians of {args.repeat} runs")
    for label, group in variants.items():
        fns = {"floor": floor, "floor_minimal": floor_minimal, "read_xlsx": lean}
        if not args.no_openpyxl:
            fns["openpyxl"] = with_openpyxl
        times = time_all(fns, group, args.repeat)
        base = times["floor"]
        line = f"{label:12s} floor {base:6.2f} ms"
        for name in list(fns)[1:]:
            line += f"   {name} {times[name]:6.2f} ms ({times[name] / base:4.2f}x)"
        print(line)


if __name__ == "__main__":
    main()
