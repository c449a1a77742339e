"""Benchmark of issue 7: 1,000 filled returns through the real command line, against the floor.

    python benchmarks/run.py [--n 1000] [--runs 3] [--jobs 2] [--libreoffice] [--json]

Generates N filled 2021-format returns with random values (a few with rule errors, the rest
valid) and measures, as medians of ``--runs`` runs:

- ``template``: ``ogi-xlsx template --roster`` for N units (a subprocess), per unit;
- ``floor``: opening each file's zip and parsing its worksheets and shared strings with the
  standard library, collecting every cell value, in this process (the floor of the issue);
  ``floor_2proc`` is the same over two worker processes (start-up included), for fairness;
- ``validate``: ``ogi-xlsx validate FOLDER --no-cache`` in a subprocess (start-up, process pool
  and output included), ``revalidate``: the same with the cache warm (a fresh cache folder);
- ``merge``: ``ogi-xlsx merge FOLDER -o summary.xlsx --no-cache``;
- ``help``: ``ogi-xlsx --help``;
- peak memory of each command: the largest single process (``ru_maxrss`` of the command and its
  workers, from ``wait4``) and the peak of the whole process tree's summed RSS (sampled
  every 50 ms from /proc).

Ratios are to the single-process floor (the issue's definition); the ratio to the 2-process
floor is printed too, and the CPU time (user + system of all processes) with its ratio to the
floor's CPU time: on a machine shared with other work the CPU figures move less than wall time. ``--libreoffice`` re-saves a share of the returns through LibreOffice.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
YEAR = 2024
FORMAT = "2021"
INVALID_SHARE = 0.05  # returns left with a balance error (the others are made to add up)


# --------------------------------------------------------------------------- generation


def _random_values(spec, rng: random.Random, valid: bool) -> dict:
    """Random counts (mostly small, many zeros, some blanks) and money; rules repaired when ``valid``."""
    from ogi_xlsx.checks.rules import check_rule, with_totals

    values: dict = {}
    for cid in spec.input_ids:
        cell = spec.cells[cid]
        roll = rng.random()
        if roll < 0.08:
            values[cid] = None
        elif cell.type == "amount":
            values[cid] = Decimal(rng.randint(0, 5_000_000)) / 100
        elif roll < 0.45:
            values[cid] = 0
        else:
            values[cid] = rng.choice((1, 2, 3, 5, 8, 12, 20, 35, 60, 150, 800))
    if not valid:
        return values
    # Non-defining rules (一+二 = 三+四 …): adjust one input on the side that is short.
    for _ in range(6):
        totals = with_totals(spec, values)
        failing = [r for r in spec.rules if not r.defines and check_rule(spec, r, totals) is not None]
        if not failing:
            break
        for rule in failing:
            totals = with_totals(spec, values)
            lhs = sum(totals.get(c) or 0 for c in rule.lhs)
            rhs = sum(totals.get(c) or 0 for c in rule.rhs)
            side = rule.rhs if lhs > rhs else rule.lhs
            inputs = [c for c in side if c in spec.cells and not spec.cells[c].computed]
            if not inputs:
                continue
            target = inputs[-1]
            values[target] = (values.get(target) or 0) + abs(lhs - rhs)
    return values


def _write_return(job: tuple[str, int, bool]) -> None:
    from ogi_xlsx.model.spec import load_format
    from ogi_xlsx.writing.template import write_workbook

    path, seed, valid = job
    spec = load_format(FORMAT)
    rng = random.Random(seed)
    code = f"U{seed:04d}"
    write_workbook(
        Path(path),
        spec,
        year=YEAR,
        unit_code=code,
        unit_name=f"测试市某区第{seed:04d}街道办事处",
        cover={
            "preparer": rng.choice(("张三", "李四", "王五", "赵敏")),
            "phone": f"0595-{rng.randint(2000000, 29999999)}",
            "reviewer": rng.choice(("陈六", "林七", "黄八")),
            "date": f"{YEAR + 1}-01-{rng.randint(5, 25):02d}",
        },
        values=_random_values(spec, rng, valid),
        kind="return",
    )


def generate(folder: Path, n: int, jobs: int, libreoffice: bool) -> int:
    """Write N returns into ``folder``; returns how many were re-saved by LibreOffice."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    work = [(str(folder / f"U{i:04d}.xlsx"), i, rng.random() >= INVALID_SHARE) for i in range(n)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_write_return, work, chunksize=max(1, n // (jobs * 8))))
    if not libreoffice:
        return 0
    sys.path.insert(0, str(ROOT / "tools"))
    import lo

    if lo.soffice_path() is None:
        print("soffice not found: no LibreOffice-saved returns", file=sys.stderr)
        return 0
    share = [Path(w[0]) for w in work[: max(1, n // 10)]]
    with tempfile.TemporaryDirectory() as tmp:
        outs = lo.convert(share, Path(tmp), "xlsx:Calc MS Excel 2007 XML")
        for src, out in zip(share, outs, strict=True):
            shutil.move(str(out), src)
    return len(share)


# --------------------------------------------------------------------------- the floor


def floor_one(path: str) -> int:
    """The floor of issue 7 for one file (defined once, in benchmarks/read.py)."""
    from read import floor  # benchmarks/ is on sys.path when this script runs

    return floor(Path(path).read_bytes())


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def parallel_speedup(jobs: int) -> float:
    """How much faster ``jobs`` processes run pure CPU work than one: below ``jobs`` when the machine is busy."""
    work = [3_000_000] * (2 * jobs)
    start = time.perf_counter()
    for n in work:
        _burn(n)
    serial = time.perf_counter() - start
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_burn, [1] * jobs))  # start the workers first
        start = time.perf_counter()
        list(pool.map(_burn, work))
        parallel = time.perf_counter() - start
    return serial / parallel


def _floor_chunk(paths: list[str]) -> int:
    return sum(floor_one(p) for p in paths)


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def floor_serial(files: list[str]) -> dict:
    start, cpu = time.perf_counter(), _cpu()
    for path in files:
        floor_one(path)
    return {"seconds": time.perf_counter() - start, "cpu_seconds": _cpu() - cpu}


def floor_parallel(files: list[str], jobs: int) -> dict:
    start, cpu = time.perf_counter(), _cpu()
    chunks = [files[i::jobs] for i in range(jobs)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_floor_chunk, chunks))
    return {"seconds": time.perf_counter() - start, "cpu_seconds": _cpu() - cpu}


# --------------------------------------------------------------------------- commands


def _tree_rss(root: int) -> int:
    """Summed RSS (bytes) of ``root`` and its descendants, from /proc (children lists, no full scan)."""
    page = os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * page
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children", "rb") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError, IndexError):
            continue
    return total


def run_command(args: list[str], env: dict[str, str], cwd: Path) -> dict:
    """Run ``ogi-xlsx ARGS``; wall time, exit code, largest process RSS and peak tree RSS (MB)."""
    cmd = [sys.executable, "-m", "ogi_xlsx", *args]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            if os.path.exists("/proc"):
                peak[0] = max(peak[0], _tree_rss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    proc.stderr.close()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {stderr[-2000:]}")
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,  # the command and its (joined) workers
        "exit": proc.returncode,
        "max_process_mb": usage.ru_maxrss / 1024,  # KB on Linux
        "tree_peak_mb": peak[0] / 2**20,
    }


def median_runs(runs: int, fn) -> dict:
    results = [fn() for _ in range(runs)]
    out = {key: statistics.median(r[key] for r in results) for key in results[0] if key != "exit"}
    if "exit" in results[-1]:
        out["exit"] = results[-1]["exit"]
    return out


def measure(n: int, runs: int, jobs: int, libreoffice: bool, workdir: Path) -> dict:
    returns = workdir / "returns"
    t0 = time.perf_counter()
    lo_count = generate(returns, n, jobs, libreoffice)
    generated = time.perf_counter() - t0
    files = sorted(str(p) for p in returns.glob("*.xlsx"))
    # A snapshot of the package: edits to the working tree during the run must not change the
    # code fingerprint of the cache key (nor the code measured).
    src = workdir / "src"
    shutil.copytree(ROOT / "ogi_xlsx", src / "ogi_xlsx", ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src) + os.pathsep + env.get("PYTHONPATH", "")
    env["OGI_XLSX_CACHE_DIR"] = str(workdir / "cache")
    env.pop("COLUMNS", None)
    roster = workdir / "roster.csv"
    with open(roster, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["单位代码", "单位名称"])
        for i in range(n):
            writer.writerow([f"U{i:04d}", f"测试市某区第{i:04d}街道办事处"])

    results: dict = {}
    floor_one(files[0])  # warm the imports and the page cache
    results["floor"] = median_runs(runs, lambda: floor_serial(files))
    results["floor_2proc"] = median_runs(runs, lambda: floor_parallel(files, jobs))

    counter = iter(range(10**6))

    def template() -> dict:
        out = workdir / f"templates{next(counter)}"
        result = run_command(["template", "--roster", str(roster), "--year", str(YEAR), "-o", str(out)], env, workdir)
        shutil.rmtree(out, ignore_errors=True)
        return result

    results["template"] = median_runs(runs, template)
    results["validate"] = median_runs(runs, lambda: run_command(["validate", str(returns), "--no-cache"], env, workdir))
    run_command(["validate", str(returns)], env, workdir)  # fill the cache
    results["revalidate"] = median_runs(runs, lambda: run_command(["validate", str(returns)], env, workdir))
    summary = workdir / "summary.xlsx"
    results["merge"] = median_runs(
        runs,
        lambda: run_command(
            ["merge", str(returns), "--year", str(YEAR), "-o", str(summary), "--force", "--no-cache"], env, workdir
        ),
    )
    results["help"] = median_runs(max(runs, 5), lambda: run_command(["--help"], env, workdir))

    floor = results["floor"]["seconds"]
    floor2 = results["floor_2proc"]["seconds"]
    for result in results.values():
        result["ratio"] = result["seconds"] / floor
        result["ratio_2proc"] = result["seconds"] / floor2
        result["cpu_ratio"] = result["cpu_seconds"] / results["floor"]["cpu_seconds"]
    results["template"]["per_unit_ms"] = results["template"]["seconds"] / n * 1000
    return {
        "n": n,
        "runs": runs,
        "jobs": jobs,
        "cpus": os.cpu_count(),
        "libreoffice_files": lo_count,
        "generation_seconds": generated,
        "parallel_speedup": parallel_speedup(jobs),
        "file_bytes_median": statistics.median(os.path.getsize(f) for f in files),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d"),
        "results": results,
    }


LABELS = {
    "floor": "floor: stdlib zip + XML parse, 1 process",
    "floor_2proc": "floor: same, 2 processes",
    "template": "ogi-xlsx template --roster (N units)",
    "validate": "ogi-xlsx validate --no-cache",
    "revalidate": "ogi-xlsx validate (cache warm)",
    "merge": "ogi-xlsx merge --no-cache",
    "help": "ogi-xlsx --help",
}


def print_table(data: dict) -> None:
    n = data["n"]
    print(
        f"{n} returns ({data['libreoffice_files']} saved by LibreOffice), median file {data['file_bytes_median'] / 1024:.0f} KB;"
        f" {data['cpus']} CPUs, --jobs {data['jobs']}; medians of {data['runs']} runs; Python {data['python']}; {data['date']}"
    )
    print(
        f"a CPU-bound {data['jobs']}-process pool ran {data['parallel_speedup']:.2f}x as fast as 1 process"
        " on this machine during the run (other load on the cores lowers it)"
    )
    print(
        f"{'':42s} {'seconds':>8s} {'ms/file':>8s} {'x floor':>8s} {'x floor2':>8s}"
        f" {'CPU s':>7s} {'CPU x':>6s} {'max proc':>9s} {'tree':>8s}"
    )
    for key, label in LABELS.items():
        r = data["results"][key]
        per = "" if key == "help" else f"{r['seconds'] / n * 1000:8.2f}"
        mem = f"{r['max_process_mb']:7.0f}MB {r['tree_peak_mb']:6.0f}MB" if "max_process_mb" in r else ""
        print(
            f"{label:42s} {r['seconds']:8.3f} {per:>8s} {r['ratio']:8.2f} {r['ratio_2proc']:8.2f}"
            f" {r['cpu_seconds']:7.2f} {r['cpu_ratio']:6.2f} {mem}"
        )
    res = data["results"]
    print(
        f"re-validate / validate = {res['revalidate']['seconds'] / res['validate']['seconds']:.3f};"
        " 'x floor' = ratio to the 1-process floor (the issue's definition), 'x floor2' = to the 2-process floor;"
        " 'CPU' = user+system time of all processes (less disturbed by other load), ratio to the floor's;"
        " 'max proc' = largest single process RSS, 'tree' = peak summed RSS of the command and its workers."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="number of returns (default 1000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; medians are printed (default 3)")
    parser.add_argument(
        "--jobs", type=int, default=min(2, os.cpu_count() or 1), help="processes for the 2-process floor and generation"
    )
    parser.add_argument("--libreoffice", action="store_true", help="re-save 10%% of the returns through LibreOffice")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = parser.parse_args()
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        data = measure(args.n, args.runs, args.jobs, args.libreoffice, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="ogi-bench-") as tmp:
            data = measure(args.n, args.runs, args.jobs, args.libreoffice, Path(tmp))
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print_table(data)


if __name__ == "__main__":
    main()
