"""Usage errors of the real entry point are told in Chinese, with exit code 2 and no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGLISH = ("Missing argument", "Missing option", "No such", "Invalid value", "Error:", "Traceback", "Got unexpected")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ogi_xlsx", *args], capture_output=True, text=True, timeout=60, cwd=cwd
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["validate"], "缺少参数：报表文件或文件夹"),
        (["validate", "--year", "abc", "x.xlsx"], "--year（应报送的报告年度）的值有误：“abc”不是整数"),
        (["validate", "--jobs", "0", "x.xlsx"], "不在允许的范围"),
        (["validate", "--bogus", "x.xlsx"], "没有 --bogus 这个选项"),
        (["nosuch"], "没有“nosuch”这个命令"),
        (["template", "--roster"], "选项 --roster 后面需要给出一个值"),
        (["formats", "--json", "extra"], "多余的参数：extra"),
        (["merge"], "缺少参数"),
    ],
)
def test_usage_errors_are_chinese(args, expected, tmp_path):
    proc = run(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert expected in proc.stderr
    assert proc.stderr.startswith("错误：")
    assert "--help" in proc.stderr  # where to look next
    assert not any(word in proc.stderr for word in ENGLISH), proc.stderr


@pytest.mark.slow
def test_exit_codes_pass_through_the_entry_point(tmp_path):
    """0 for help and a valid return, 1 for a file with findings: the Chinese wrapper changes none of them."""
    assert run("--help").returncode == 0
    assert run("validate", "--help").returncode == 0
    assert run("fill", str(ROOT / "examples" / "haibin-2024.json"), "-o", str(tmp_path / "good.xlsx")).returncode == 0
    assert run("validate", str(tmp_path / "good.xlsx"), "--no-cache").returncode == 0
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not a workbook")  # a finding, not a usage error
    assert run("validate", str(tmp_path / "bad.xlsx"), "--no-cache").returncode == 1


def test_an_internal_error_is_one_chinese_sentence_and_exit_3(monkeypatch, capsys):
    """A bug of ours reaches the clerk as one Chinese sentence, never as a traceback."""
    from ogi_xlsx.cli import main as entry

    def broken(**_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(entry, "app", broken)
    monkeypatch.delenv("OGI_XLSX_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        entry.main()
    assert exit_info.value.code == 3
    err = capsys.readouterr().err
    assert "程序内部错误（RuntimeError: boom）" in err and "Traceback" not in err
    monkeypatch.setenv("OGI_XLSX_DEBUG", "1")
    with pytest.raises(RuntimeError):
        entry.main()
