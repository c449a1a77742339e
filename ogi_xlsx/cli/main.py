"""The ``ogi-xlsx`` command line: the typer app, its entry point and Chinese usage errors.

Heavy modules (openpyxl, xlsxwriter, jsonschema) are imported inside the commands that
need them so that ``ogi-xlsx --help`` starts fast. Exit codes: 0 ok, 1 findings of error
severity (or an incomplete summary), 2 usage errors.

The commands live one module per capability beside this one; each declares them on its own
:class:`~ogi_xlsx.cli.common.CommandSet`, and this module imports them and registers them on
``app`` (downward: no command module imports this one).
"""

from __future__ import annotations

import sys

import typer

from ogi_xlsx.cli import demo as demo_command
from ogi_xlsx.cli import importing, info, merge, portal, publish, template, validate
from ogi_xlsx.cli.common import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE

app = typer.Typer(
    name="ogi-xlsx",
    help="政府信息公开工作年度报告统计表：生成模板、审核报表、汇总数据。"
    " Government information disclosure annual statistics: templates, validation, consolidation.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

# The order of ``ogi-xlsx --help``.
for _module in (info, merge, demo_command, validate, template, publish, importing, portal):
    _module.commands.register(app)


def main() -> None:
    """Console-script entry point."""
    for stream in (sys.stdout, sys.stderr):
        # a file name that is not valid in the file-system encoding reaches us as lone
        # surrogates: print its original bytes (or "?"), never die with UnicodeEncodeError
        utf8 = (getattr(stream, "encoding", "") or "").lower().replace("-", "") == "utf8"
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="surrogateescape" if utf8 else "replace")
    try:
        # standalone_mode=False: usage errors come back as exceptions, to be told in Chinese
        # (typer's own messages are English: "Missing argument 'paths'.").
        result = app(standalone_mode=False)
    except typer.Abort:
        typer.echo("已中止。", err=True)
        sys.exit(EXIT_FINDINGS)
    except typer.TyperException as exc:  # click's UsageError, BadParameter, NoSuchOption …
        typer.echo(f"错误：{usage_message(exc)}", err=True)
        command = getattr(getattr(exc, "ctx", None), "command_path", None) or "ogi-xlsx"
        typer.echo(f"查看用法：{command} --help", err=True)
        code = getattr(exc, "exit_code", EXIT_USAGE)
        sys.exit(code if isinstance(code, int) and code else EXIT_USAGE)
    except OSError as exc:  # an output path that cannot be written (not a folder, too long, no space…)
        import errno

        reasons = {
            errno.ENOTDIR: "路径中有一部分不是文件夹",
            errno.ENAMETOOLONG: "文件名太长",
            errno.ENOENT: "文件夹不存在",
            errno.EACCES: "没有权限",
            errno.EPERM: "没有权限",
            errno.ENOSPC: "磁盘空间不足",
            errno.EROFS: "只读的磁盘或文件夹",
            errno.EISDIR: "这是一个文件夹",
        }
        reason = reasons.get(exc.errno or 0, exc.strerror or str(exc))
        where = f"“{exc.filename}”" if exc.filename else ""
        typer.echo(f"错误：无法读写{where}：{reason}。请检查输出位置后重试。", err=True)
        sys.exit(EXIT_USAGE)
    except Exception as exc:
        # A bug of ours, never the user's input (bad input is a finding or a usage error): a
        # clerk gets a Chinese sentence, not a traceback; developers set OGI_XLSX_DEBUG=1.
        import os

        if os.environ.get("OGI_XLSX_DEBUG"):
            raise
        typer.echo(
            f"程序内部错误（{type(exc).__name__}: {exc}）。输入文件没有被修改；请把所用命令和文件发给管理员，"
            "或设置环境变量 OGI_XLSX_DEBUG=1 后重试以查看详细信息。",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
    sys.exit(result if isinstance(result, int) else EXIT_OK)


# click's English messages -> Chinese (patterns of the messages the vendored click produces).
_MESSAGE_PATTERNS = [
    (r"'(.*)' is not a valid (?:int|integer)\.?", "“{0}”不是整数"),
    (r"'(.*)' is not a valid float\.?", "“{0}”不是数字"),
    (r"'(.*)' is not a valid boolean\.?", "“{0}”不是是/否值"),
    (r"(.*) is not in the range (.*)\.", "{0} 不在允许的范围（{1}）内"),
    (r"'(.*)' is not one of (.*)\.", "“{0}”不是可选的值（{1}）"),
    (r"No such command '(.*)'\.", "没有“{0}”这个命令"),
    (r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", "多余的参数：{0}"),
    (r"Option '(.*)' requires an argument\.", "选项 {0} 后面需要给出一个值"),
    (r"Option '(.*)' does not take a value\.", "选项 {0} 后面不能带值"),
    (r"(?:File|Path|Directory) '(.*)' does not exist\.", "“{0}”不存在"),
    (r"(?:File|Path) '(.*)' is a directory\.", "“{0}”是文件夹，应为文件"),
    (r"Directory '(.*)' is a file\.", "“{0}”是文件，应为文件夹"),
]


def _chinese_help(param) -> str | None:
    """The Chinese half of a parameter's bilingual help ("中文说明 / English")."""
    import re

    help_text = getattr(param, "help", None) or ""
    chinese = re.split(r"\s*/\s+(?=[A-Za-z])", help_text, maxsplit=1)[0].strip()
    return chinese or None


def usage_message(exc: Exception) -> str:
    """A usage error of the command line (typer/click exception) as one Chinese sentence."""
    import re

    kind = type(exc).__name__
    param = getattr(exc, "param", None)
    if param is not None:
        opts = [o for o in getattr(param, "opts", []) if o.startswith("-")]
        name = "/".join(opts) if opts else (getattr(param, "human_readable_name", None) or getattr(param, "name", ""))
        label = _chinese_help(param)
        what = f"{name}（{label}）" if label and opts else (label or name)
    else:
        what = ""
    if kind == "MissingParameter":
        noun = "选项" if param is not None and getattr(param, "param_type_name", "") == "option" else "参数"
        return f"缺少{noun}：{what or exc}。"
    if kind == "NoSuchOption":
        option = getattr(exc, "option_name", "") or ""
        near = getattr(exc, "possibilities", None) or []
        hint = f"；是否想用 {'、'.join(sorted(near))}？" if near else ""
        return f"没有 {option} 这个选项{hint}。" if not hint else f"没有 {option} 这个选项{hint}"
    message = getattr(exc, "message", None) or str(exc)
    for pattern, chinese in _MESSAGE_PATTERNS:
        match = re.fullmatch(pattern, message.strip())
        if match:
            message = chinese.format(*match.groups())
            break
    else:
        if re.search("[A-Za-z]{3,}", message):
            message = f"命令行用法有误（{message}）"
    if kind == "BadParameter" and what:
        return f"{what}{'' if what.endswith('）') else ' '}的值有误：{message}。"
    return f"{message}。"


if __name__ == "__main__":  # pragma: no cover
    main()
