"""Benchmark the collection portal (issue 13): upload-to-verdict latency under concurrent uploads, and
the time to build the district summary for many units against the CLI's ``merge`` of the same files.

    python benchmarks/portal.py [--concurrent 30] [--rounds 3] [--units 1000]

1. Latency: ``ogi-xlsx serve`` runs in its own process (as in production: one uvicorn worker);
   ``--concurrent`` units each open their page, then all upload a filled return at once. The time
   is from the start of the POST to the verdict page received (redirect followed). Reported:
   median, p95 and max over ``--rounds`` rounds.
2. Summary: ``--units`` returns (distinct numbers) are written, uploaded into one collection (through
   the same code as the web upload, without HTTP), then the summary workbook is built from the portal
   (``service.build_summary`` + ``summary_xlsx``) and, for comparison, by ``ogi-xlsx merge`` on the
   same files (a fresh process, result cache off: what the office would run without the portal).

Measured 2026-11-30 on the shared 2-core machine (load average 3-4 from other developers' jobs):
30 concurrent uploads x 3 rounds: median 0.38 s, p95 0.68 s, max 0.75 s (target: p95 < 1 s);
1,000 units: summary from the portal 4.36 s, `ogi-xlsx merge --no-cache` of the same files 27.1 s (0.16x;
target: within 2x). Uploading the 1,000 returns one by one through the portal's code took 49 s.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402

from ogi_xlsx import api  # noqa: E402
from ogi_xlsx.portal import service  # noqa: E402
from ogi_xlsx.portal.store import Store  # noqa: E402

YEAR = 2024


def return_bytes(code: str, name: str, bump: int) -> bytes:
    """A valid return of the example's numbers with ``bump`` more new requests, all carried over."""
    import hostile as H

    doc = H.example_doc(code, name)
    inputs = set(doc.spec.input_ids)
    doc.values = {k: v for k, v in doc.values.items() if k in inputs}
    for cell in ("t3.r_new.c_natural", "t3.r_carry_next.c_natural"):
        doc.values[cell] = int(doc.values.get(cell) or 0) + bump
    buf = io.BytesIO()
    api.write_return(doc, buf)
    return buf.getvalue()


def collection(data: Path, units: dict[str, str]) -> tuple[Store, int]:
    store = Store(data)
    cid = store.create_collection(year=YEAR, format_id=api.format_for_year(YEAR).id, title="基准测试", roster=units)
    return store, cid


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def latency(concurrent: int, rounds: int, tmp: Path) -> list[float]:
    units = {f"B{i:03d}": f"基准单位{i}" for i in range(concurrent)}
    store, cid = collection(tmp / "latency", units)
    tokens = {u.code: store.token(u) for u in store.units(cid)}
    store.close()
    payloads = {
        code: [return_bytes(code, name, r * 100 + i) for r in range(rounds)]
        for i, (code, name) in enumerate(units.items())
    }
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ogi_xlsx", "serve", "--data", str(tmp / "latency"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/office/login", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        times: list[float] = []
        time.sleep(2)  # the server's check processes start (as they do before anyone can upload)
        for r in range(rounds):
            barrier = threading.Barrier(concurrent)

            def send(code: str, r: int = r, barrier: threading.Barrier = barrier) -> float:
                with httpx.Client(base_url=url, timeout=120, follow_redirects=True) as c:
                    page = c.get(f"/u/{tokens[code]}").text
                    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
                    barrier.wait()  # all uploads start together
                    start = time.perf_counter()
                    response = c.post(
                        f"/u/{tokens[code]}/upload", data={"csrf": csrf}, files={"file": ("r.xlsx", payloads[code][r])}
                    )
                    elapsed = time.perf_counter() - start
                    assert response.status_code == 200 and "审核结果" in response.text, response.status_code
                    return elapsed

            with ThreadPoolExecutor(concurrent) as pool:
                this_round = list(pool.map(send, units))
            print(f"  第 {r + 1} 轮：中位数 {statistics.median(this_round):.3f} s，最长 {max(this_round):.3f} s")
            times += this_round
        return times
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def summary(n: int, tmp: Path) -> dict[str, float]:
    units = {f"S{i:04d}": f"单位{i}" for i in range(n)}
    folder = tmp / "returns"
    folder.mkdir()
    roster = tmp / "roster.csv"
    roster.write_text("单位代码,单位名称\n" + "".join(f"{c},{m}\n" for c, m in units.items()), encoding="utf-8")
    start = time.perf_counter()
    for i, (code, name) in enumerate(units.items()):
        (folder / f"{code}.xlsx").write_bytes(return_bytes(code, name, i % 97))
    written = time.perf_counter() - start

    store, cid = collection(tmp / "summary", units)
    found = store.collection(cid)
    start = time.perf_counter()
    for unit in store.units(cid):
        data = (folder / f"{unit.code}.xlsx").read_bytes()
        service.receive(store, found, unit, data, f"{unit.code}.xlsx", actor="unit")
    ingested = time.perf_counter() - start

    portal_times = []
    for _ in range(3):
        start = time.perf_counter()
        result = service.build_summary(store, found)
        service.summary_xlsx(result)
        portal_times.append(time.perf_counter() - start)
    assert result.complete, [u.status for u in result.units if u.status != "merged"][:5]

    cli_times = []
    for i in range(2):
        out = tmp / f"cli-{i}.xlsx"
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "ogi_xlsx", "merge", str(folder), "-o", str(out), "--roster", str(roster),
             "--year", str(YEAR), "--no-cache"],
            capture_output=True, cwd=ROOT, env={**os.environ, "OGI_XLSX_CACHE_DIR": str(tmp / "cache")},
        )  # fmt: skip
        cli_times.append(time.perf_counter() - start)
        assert proc.returncode == 0, proc.stderr[-2000:]
    return {
        "write": written,
        "ingest": ingested,
        "portal": statistics.median(portal_times),
        "cli": statistics.median(cli_times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrent", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--units", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ogi-portal-bench-") as tmp_name:
        tmp = Path(tmp_name)
        times = latency(args.concurrent, args.rounds, tmp)
        print(
            f"上传到出结果（{args.concurrent} 个单位同时上传 × {args.rounds} 轮，共 {len(times)} 次）："
            f"中位数 {statistics.median(times):.3f} s，p95 {percentile(times, 0.95):.3f} s，最长 {max(times):.3f} s"
        )
        result = summary(args.units, tmp)
        print(
            f"{args.units} 个单位：生成报表 {result['write']:.1f} s；经门户逐份上传审核 {result['ingest']:.1f} s"
            f"（每份 {result['ingest'] / args.units * 1000:.1f} ms）"
        )
        print(
            f"汇总表：门户 {result['portal']:.2f} s；命令行 merge（同一批文件，不用缓存）{result['cli']:.2f} s；"
            f"门户 / 命令行 = {result['portal'] / result['cli']:.2f}"
        )


if __name__ == "__main__":
    main()
