"""``ogi-xlsx demo OUT --serve``: the portal filled with the demo's returns, to look around in a browser.

After the demo has run into ``OUT`` (roster, templates, the units' returns), a portal data folder
``OUT/portal-data`` gets one collection of the demo roster, every return of ``OUT/returns`` uploaded
through its unit (so one unit is 待补正, one never answered, one sent its file twice), one
return accepted by the office, and one unit's second file with two queries (核实), one of them
explained in the browser. A fresh office password is printed; nothing outside ``OUT`` is touched.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ogi_xlsx.portal.store import Store

PORTAL_DATA = "portal-data"


def fill_demo_portal(outdir: Path, *, echo: Callable[[str], None] = print) -> tuple[Path, str, int]:
    """Build ``outdir/portal-data`` from the demo output in ``outdir``; returns (data folder, password, collection)."""
    from ogi_xlsx import api
    from ogi_xlsx.demo import DISTRICT_CODE, DISTRICT_NAME, MARKER, RETURNS, demo_data_dir
    from ogi_xlsx.portal import service
    from ogi_xlsx.portal.store import Store

    outdir = Path(outdir)
    data = outdir / PORTAL_DATA
    if data.exists() and (outdir / MARKER).is_file():
        shutil.rmtree(data)  # the previous demo's portal (the folder is a demo output)
    roster = dict(api.load_roster(demo_data_dir() / "roster.csv").mapping())
    returns = sorted((outdir / RETURNS).glob("*.xlsx"))
    reports = [api.check_file(p) for p in returns]
    year = next(r.year for r in reports if r.year)
    store = Store(data)
    password = secrets.token_urlsafe(9)
    store.set_password(password)
    cid = store.create_collection(
        year=year,
        format_id=api.format_for_year(year).id,
        title=f"{DISTRICT_NAME} {year} 年度政府信息公开工作年度报告统计表（演示）",
        roster=roster,
        deadline=f"{year + 1}-01-20",
        district_code=DISTRICT_CODE,
        district_name=DISTRICT_NAME,
        actor="office-cli",
    )
    collection = store.collection(cid)
    for path, report in zip(returns, reports, strict=True):
        unit = store.unit(cid, report.unit_code or "")
        if unit is not None:
            service.receive(store, collection, unit, path.read_bytes(), path.name, actor="unit")
    passed = [s for s in store.statuses(cid) if s.status == "passed"]
    if passed:
        store.review(passed[0].unit, "accepted", "数据已与台账核对。")
    queried = _demo_queries(store, cid, outdir)
    echo(f"网上收集演示数据 → {data}（{len(returns)} 份报表已由各单位“上传”）")
    if queried:
        echo(f"  {queried}：再次上传的报表有 2 个核实项，已在网页上说明 1 个（另 1 个待说明）")
    return data, password, cid


DEMO_UNIT = "LC006"  # sends a second file with a figure far beyond the usual, and explains it in the browser
DEMO_EXPLANATION = "本年12月下旬辖区内一家物流企业就一万二千件货运车辆登记信息逐件提出申请，均已登记，结转下年度办理"


def _demo_queries(store: Store, cid: int, outdir: Path) -> str | None:
    """One unit re-uploads its return with 12,000 more new requests (all carried over to next year): two
    queries (核实), one answered in the browser, one left open, so the demo shows the query tier."""
    import io

    from ogi_xlsx import api
    from ogi_xlsx.demo import RETURNS
    from ogi_xlsx.portal import service

    source = next(iter(sorted((outdir / RETURNS).glob(f"{DEMO_UNIT}*.xlsx"))), None)
    collection = store.collection(cid)
    unit = store.unit(cid, DEMO_UNIT)
    if source is None or unit is None:
        return None
    doc = api.check_file(source).document
    if doc is None:
        return None
    inputs = set(doc.spec.input_ids)
    doc.values = {k: v for k, v in doc.values.items() if k in inputs}  # the totals are formulas again
    for cell in ("t3.r_new.c_natural", "t3.r_carry_next.c_natural"):
        doc.values[cell] = int(doc.values.get(cell) or 0) + 12000
    buf = io.BytesIO()
    api.write_return(doc, buf)
    sub = service.receive(store, collection, unit, buf.getvalue(), f"{source.stem}（第二次）.xlsx", actor="unit")
    items = service.query_items(store, collection, sub)
    if items:
        service.record_answers(store, collection, unit, sub, {items[0]["field"]: DEMO_EXPLANATION})
    return unit.name


def serve_demo(outdir: Path, *, host: str = "127.0.0.1", port: int = 8000, echo: Callable[[str], None] = print) -> None:
    """Fill the demo portal and serve it until Ctrl+C."""
    from ogi_xlsx.portal import service
    from ogi_xlsx.portal import store as store_module
    from ogi_xlsx.portal.server import run

    data, password, cid = fill_demo_portal(outdir, echo=echo)
    base = f"http://{host}:{port}"
    store = store_module.Store(data)
    echo(f"办公室页面：{base}/office/c/{cid}   密码：{password}")
    for item in service.links(store, store.collection(cid), base):
        echo(f"  {item['code']} {item['name']}：{item['link']}")
    store.close()
    echo("按 Ctrl+C 停止。")
    run(data, host=host, port=port)
