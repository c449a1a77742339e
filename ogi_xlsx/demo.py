"""``ogi-xlsx demo``: the district office's whole job on the bundled, invented example.

roster (``examples/demo/roster.csv``) → one template per unit → the units' returns,
filled from ``examples/demo/returns/*.json`` (one unit sends nothing, one sends a return
with mistakes, one sends the same file twice) → validation with annotated copies →
the district summary (汇总表.xlsx + 汇总表.json).

Re-running into the same folder regenerates it (a marker file says it is a demo folder);
a non-empty folder that is not a previous demo is refused unless ``force``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

MARKER = ".ogi-demo"
DISTRICT_CODE = "350502"  # 行政区划代码 of 泉州市鲤城区
DISTRICT_NAME = "泉州市鲤城区"
DISTRICT_COVER = {
    "preparer": "鲤城区政务公开办",
    "phone": "0595-22000000",
    "reviewer": "区政务公开办负责人",
    "date": "2025-01-20",
}
DUPLICATE_UNIT = "LC004"  # the unit whose return the demo "sends" twice
TEMPLATES = "templates"
RETURNS = "returns"
REVIEW = "审核结果"
SUMMARY_XLSX = "汇总表.xlsx"
SUMMARY_JSON = "汇总表.json"
DRAFT_STEM = "年度报告草稿"  # the district's draft report, .docx and .html (ogi_xlsx.publish)
DRAFT_SUFFIXES = (".docx", ".html")


class DemoError(Exception):
    """The demo cannot run (output folder in use, example data missing)."""


def demo_data_dir() -> Path:
    """``examples/demo`` of the source tree, or the copy installed with the package."""
    here = Path(__file__).resolve().parent
    candidates = [here.parent / "examples" / "demo", here / "_examples" / "demo"]
    for candidate in candidates:
        if (candidate / "roster.csv").is_file():
            return candidate
    raise DemoError("找不到演示数据 examples/demo/roster.csv；安装不完整，请重新安装 ogi-xlsx（pip install .）。")


def _prepare(outdir: Path, force: bool) -> None:
    if outdir.exists() and not outdir.is_dir():
        raise DemoError(f"“{outdir}”已存在且不是文件夹。")
    if outdir.is_dir() and any(outdir.iterdir()):
        if (outdir / MARKER).is_file():
            for name in (TEMPLATES, RETURNS, REVIEW):
                shutil.rmtree(outdir / name, ignore_errors=True)
            for name in (SUMMARY_XLSX, SUMMARY_JSON, *(DRAFT_STEM + s for s in DRAFT_SUFFIXES)):
                (outdir / name).unlink(missing_ok=True)
        elif not force:
            raise DemoError(f"文件夹“{outdir}”不是空的，也不是上次演示的输出；请换一个文件夹，或加 --force 写入其中。")
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / MARKER).write_text("ogi-xlsx demo output; safe to delete\n", encoding="utf-8")
    for name in (TEMPLATES, RETURNS, REVIEW):
        (outdir / name).mkdir(exist_ok=True)


def _xlsx_name(code: str, name: str) -> str:
    from ogi_xlsx.reading.roster import safe_filename

    return safe_filename(code, name)


def _set_mtime(path: Path, date: str, minute: int) -> None:
    """Give a return the modification time of its cover date (09:mm local), so reruns are identical."""
    try:
        moment = datetime.fromisoformat(date).replace(hour=9, minute=minute % 60)
    except ValueError:
        return
    stamp = moment.timestamp()
    os.utime(path, (stamp, stamp))


# long: the demo's story step by step (roster, templates, returns, validation, merge), each step echoed; reads as the
#   README tells it
def run_demo(outdir: Path, *, force: bool = False, echo: Callable[[str], None] = print) -> bool:
    """Run the demo into ``outdir``; True when everything happened as designed."""
    from ogi_xlsx.checks.schema import validate_document_json
    from ogi_xlsx.model.document import document_from_json, loads
    from ogi_xlsx.pipeline.batch import check_paths
    from ogi_xlsx.pipeline.merge import merge_returns, summary_lines
    from ogi_xlsx.pipeline.options import CheckOptions
    from ogi_xlsx.reading.roster import load_roster
    from ogi_xlsx.writing.summary import write_summary, write_summary_json
    from ogi_xlsx.writing.template import write_return, write_workbook

    data = demo_data_dir()
    outdir = Path(outdir)
    _prepare(outdir, force)

    # 1. roster
    roster = load_roster(data / "roster.csv")
    mapping = dict(roster.mapping())
    echo(f"第 1 步  读取报送名单 {data / 'roster.csv'}：{len(roster.units)} 个单位。")

    # the units' data (invented), all of one year and format
    docs = {}
    for path in sorted((data / "returns").glob("*.json")):
        parsed = loads(path.read_text(encoding="utf-8"))
        problems = [f for f in validate_document_json(parsed) if f.cell is None]
        if problems:
            raise DemoError(f"演示数据 {path.name} 不完整：{problems[0].message}")
        doc = document_from_json(parsed)
        docs[doc.unit_code] = doc
    years = {d.year for d in docs.values()}
    formats = {d.format for d in docs.values()}
    if len(years) != 1 or len(formats) != 1:
        raise DemoError("演示数据必须是同一年度、同一格式。")
    year = years.pop()
    spec = next(iter(docs.values())).spec

    # 2. one template per unit
    for unit in roster.units:
        write_workbook(
            outdir / TEMPLATES / _xlsx_name(unit.code, unit.name),
            spec,
            year=year,
            unit_code=unit.code,
            unit_name=unit.name,
            kind="template",
        )
    echo(f"第 2 步  生成 {len(roster.units)} 个单位的 {year} 年度模板（{spec.notice} 格式）→ {outdir / TEMPLATES}")

    # 3. the units fill them in (from the JSON data); one unit never answers
    returns_dir = outdir / RETURNS
    written = []
    for i, unit in enumerate(roster.units):
        doc = docs.get(unit.code)
        if doc is None:
            continue
        path = returns_dir / _xlsx_name(doc.unit_code, doc.unit_name)
        write_return(doc, path)
        _set_mtime(path, doc.cover.get("date", ""), i)
        written.append(path)
        if unit.code == DUPLICATE_UNIT:
            copy = path.with_name(f"{path.stem}（再次发送）{path.suffix}")
            shutil.copy2(path, copy)
            written.append(copy)
    missing = [u for u in roster.units if u.code not in docs]
    echo(f"第 3 步  模拟各单位报送 → {returns_dir}：收到 {len(written)} 个文件。")
    for unit in missing:
        echo(f"        {unit.name}（{unit.code}）未报送。")
    if DUPLICATE_UNIT in docs:
        echo(f"        {mapping.get(DUPLICATE_UNIT, DUPLICATE_UNIT)}（{DUPLICATE_UNIT}）把同一个文件发了两次。")

    # 4. validation, with annotated copies for the units to correct
    reports = check_paths([returns_dir], CheckOptions.make(expected_year=year, roster=mapping))
    valid = [r for r in reports if r.valid]
    echo(f"第 4 步  审核 {len(reports)} 个文件：通过 {len(valid)} 个，不通过 {len(reports) - len(valid)} 个。")
    for report in reports:
        if not report.valid:
            errors = [f for f in report.findings if f.severity == "error"]
            echo(f"        {Path(report.path).name}：{len(errors)} 个错误，例如：{errors[0].message if errors else ''}")
    annotated = _annotate(reports, outdir / REVIEW)
    echo(f"        审核意见（标出问题单元格的批注副本，退回单位修改）→ {outdir / REVIEW}（{annotated} 个文件）")

    # 5. the district summary
    result = merge_returns(
        reports, roster=mapping, year=year, unit_code=DISTRICT_CODE, unit_name=DISTRICT_NAME, cover=DISTRICT_COVER
    )
    write_summary(outdir / SUMMARY_XLSX, result)
    write_summary_json(outdir / SUMMARY_JSON, result)
    echo(f"第 5 步  汇总 → {outdir / SUMMARY_XLSX}、{outdir / SUMMARY_JSON}")
    for line in summary_lines(result):
        echo(f"        {line}")

    # 6. the district's draft annual report from the summary (tables and data sentences filled in)
    if not _publish_draft(outdir, echo):
        return False

    # The demo is designed to be incomplete; check that it is incomplete in exactly the designed way.
    expected = {u.code: "missing" for u in missing}
    for code, doc in docs.items():
        bad = any(f.severity == "error" for f in _validate_doc(doc, year, mapping))
        expected[code] = "invalid" if bad else ("duplicate" if code == DUPLICATE_UNIT else "merged")
    actual = {u.code: u.status for u in result.units}
    if actual != expected:
        wrong = "、".join(
            f"{c}（应为 {expected.get(c)}，实际 {actual.get(c)}）"
            for c in sorted(set(actual) | set(expected))
            if actual.get(c) != expected.get(c)
        )
        echo(f"演示结果与设计不符：{wrong}")
        return False
    echo("演示完成。汇总表“报送情况”工作表列出了各单位的状态，“分单位明细”可核对每个数的来源。")
    return True


def _publish_draft(outdir: Path, echo: Callable[[str], None]) -> bool:
    from ogi_xlsx import api
    from ogi_xlsx.publish import PublishRefused

    summary = api.check_file(outdir / SUMMARY_JSON)
    drafts = [outdir / f"{DRAFT_STEM}{suffix}" for suffix in DRAFT_SUFFIXES]
    try:
        for target in drafts:
            api.publish(summary, target, draft=True)
    except PublishRefused as refused:
        echo(f"第 6 步  未能生成年度报告草稿：{refused}")
        for finding in refused.findings[:5]:
            echo(f"        {finding.message}")
        return False
    echo(f"第 6 步  全区年度报告草稿（统计表和数字已填好，需人工撰写处已标黄）→ {'、'.join(str(t) for t in drafts)}")
    return True


def _validate_doc(doc, year, mapping):
    from ogi_xlsx.checks.document import validate_return

    return validate_return(doc, expected_year=year, roster=mapping)


def _annotate(reports, outdir: Path) -> int:
    """Annotated copies (failing cells highlighted, a 审核结果 sheet) of the returns with findings."""
    from ogi_xlsx.writing.annotate import annotate_all

    return len(annotate_all([r for r in reports if r.findings], outdir))
