"""Benchmark: 1,000 per-unit templates from a roster vs. the same cells written by bare xlsxwriter.

    python benchmarks/templates.py [--units 1000] [--format 2021]

"Bare" writes the same sheets, texts, merges, input cells and total formulas with plain
xlsxwriter (one format per kind of cell) but none of the template's extras: validation,
check area, conditional formats, defined names, identity, protection, print setup. Both
write in memory (``in_memory``) to files in a temporary folder. Prints seconds and ratios.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import xlsxwriter  # noqa: E402

from ogi_xlsx.cli.template import write_templates  # noqa: E402
from ogi_xlsx.model.layout import workbook_layout  # noqa: E402
from ogi_xlsx.model.spec import FormatSpec, load_format  # noqa: E402
from ogi_xlsx.writing.stamp import TemplateStamp  # noqa: E402
from ogi_xlsx.writing.template import DEFAULT_PASSWORD, sheet_plans, write_workbook  # noqa: E402


def bare(path: Path, spec: FormatSpec, unit_code: str, unit_name: str, year: int) -> None:
    """The same cells with bare xlsxwriter."""
    wb = xlsxwriter.Workbook(path, {"in_memory": True})
    text = wb.add_format({"border": 1, "text_wrap": True})
    value = wb.add_format({"border": 1, "locked": False})
    total = wb.add_format({"border": 1, "bold": True})
    cover = workbook_layout(spec).cover
    ws = wb.add_worksheet("封面")
    for fld in spec.cover:
        ws.write_string(*cover.labels[fld.id], fld.label, text)
    ws.write_string(*cover.fields["unit_name"], unit_name, text)
    ws.write_string(*cover.fields["unit_code"], unit_code, text)
    ws.write_number(*cover.fields["year"], year, text)
    for plan in sheet_plans(spec):
        layout = plan.layout
        ws = wb.add_worksheet(layout.sheet)
        for t in layout.texts:
            if t.merged:
                ws.merge_range(t.row, t.col, t.last_row, t.last_col, "", text)
            ws.write_string(t.row, t.col, t.text, text)
        for row, col, _, _ in plan.inputs:
            ws.write_blank(row, col, None, value)
        for row, col, _, _, formula in plan.computed:
            ws.write_formula(row, col, formula, total, 0)
    wb.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--format", default="2021")
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    spec = load_format(args.format)
    units = [(f"U{i:04d}", f"测试街道办事处{i:04d}") for i in range(args.units)]
    write_workbook(Path(tempfile.gettempdir()) / "warm.xlsx", spec, year=args.year)  # warm the caches
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        start = time.perf_counter()
        for code, name in units:
            bare(out / f"bare_{code}.xlsx", spec, code, name, args.year)
        results["bare xlsxwriter, 1 process"] = time.perf_counter() - start

        start = time.perf_counter()
        for code, name in units:
            write_workbook(out / f"{code}.xlsx", spec, year=args.year, unit_code=code, unit_name=name)
        results["write_workbook (each file rendered), 1 process"] = time.perf_counter() - start

        start = time.perf_counter()
        stamp = TemplateStamp(spec, year=args.year)
        for code, name in units:
            stamp.write(out / f"s_{code}.xlsx", unit_code=code, unit_name=name)
        results["TemplateStamp (rendered once, stamped), 1 process"] = time.perf_counter() - start

        jobs = [(str(out / f"p_{code}.xlsx"), args.year, code, name, DEFAULT_PASSWORD, spec.id) for code, name in units]
        start = time.perf_counter()
        write_templates(jobs, 0)
        results["ogi-xlsx template --roster (process pool, all cores)"] = time.perf_counter() - start

    base = results["bare xlsxwriter, 1 process"]
    print(f"{args.units} per-unit workbooks, format {spec.id}")
    for label, seconds in results.items():
        print(f"  {label:55s} {seconds:7.2f} s  {seconds / args.units * 1000:6.1f} ms/file  {seconds / base:5.2f}x")


if __name__ == "__main__":
    main()
