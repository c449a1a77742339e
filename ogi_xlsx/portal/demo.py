"""``ogi-xlsx demo OUT --serve``: the portal filled with the demo's returns, to look around in a browser.

After the demo has run into ``OUT`` (roster, templates, the units' returns), a portal data folder
``OUT/portal-data`` gets one collection of the demo roster, every return of ``OUT/returns`` uploaded
through its unit (so one unit is 待补正, one never answered, one sent its file twice) and one
return accepted by the office. A fresh office password is printed; nothing outside ``OUT`` is touched.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

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
    echo(f"网上收集演示数据 → {data}（{len(returns)} 份报表已由各单位“上传”）")
    return data, password, cid


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
