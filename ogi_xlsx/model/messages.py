"""Every Chinese finding text, in one file to proofread: code -> severity, short title, message templates.

A template names its placeholders: ``{where}`` (table, address and label: ``表三 D12（…）``),
``{label}``, ``{value}``, ``{expected}``, ``{difference}``, ``{contributors}`` … A code may have several
templates, one per situation (its *variants*, ``""`` the usual one). :func:`ogi_xlsx.model.findings.render`
fills them, in one place:

- ``{name:q}`` is a value quoted from the user's file (a unit name, a cell's text, a formula): written in
  “…” and, as a render option, cut to ``MAX_QUOTED`` characters with its length said (a 32,767-character
  unit name must not turn one finding into pages of text);
- ``{name:n}`` is a number written as a clerk writes it (``12``, ``43.788``).

Codes are stable: tools and tests rely on them. Severities: see :mod:`ogi_xlsx.model.findings`.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Severity = Literal["error", "query", "warning", "info"]


# A quoted value cut to MAX_QUOTED characters: its first characters, then how long it was.
QUOTE_CUT = "“{text}…”（共 {length} 字）"
QUOTE = "“{text}”"


class Entry(NamedTuple):
    """One code: its default severity, short Chinese title and message templates by variant."""

    severity: Severity
    title: str
    templates: dict[str, str]


CATALOGUE: dict[str, Entry] = {
    # sum rules (勾稽关系)
    "sum-mismatch": Entry(
        "error",
        "勾稽关系不平衡",
        {
            "total": "{where}：填报 {reported:n}，应为 {expected:n}，相差 {difference:n}：请核对此合计及各项（{title}）。参与计算：{contributors}{note}",
            "balance": "{where}：{lname} = {left:n}，{rname} = {right:n}，相差 {gap:n}：请核对 {to_check}（{title}）。参与计算：{contributors}{note}",
        },
    ),
    "sum-blank": Entry(
        "warning",
        "合计项未填写",
        {
            "": "{where}：{title}；{side}未填写，应为 {expected:n}。请填写后再报送。（{contributors}）{note}",
        },
    ),
    # against the same unit's return of the previous year (validate --previous)
    "cross-year-mismatch": Entry(
        "query",
        "与上年度报表不衔接",
        {
            "": "{where}：{lname}为 {left:n}，{rname}为 {right:n}，相差 {difference:n}。{title}，请核对。",
            "calculation": "{where}：{calculation}，相差 {difference:n}。{title}，请核对。",
        },
    ),
    "cross-year-missing": Entry(
        "info",
        "未找到上年度报表",
        {
            "": "没有找到本单位（{code}）{year} 年度的报表，未与上年度核对。",
        },
    ),
    "cross-year-ambiguous": Entry(
        "info",
        "上年度报表不止一份",
        {
            "": "本单位（{code}）{year} 年度的报表有 {count} 份且数据不同（{names}），未与上年度核对。",
        },
    ),
    # values
    "return-empty": Entry(
        "error",
        "报表未填写",
        {
            "": "报表的 {count} 个填报格全部为空，像是把空白模板直接交回了。请填写各表数据（没有发生的填 0）后重新报送。",
        },
    ),
    "value-blank": Entry(
        "warning",
        "单元格未填写（按 0 计算）",
        {
            "": "{where}：未填写，已按 0 计算；没有发生请填 0。",
            "group": "{table} {ranges} 共 {count} 格未填写，已按 0 计算；没有发生请填 0。",
        },
    ),
    "value-blank-strict": Entry(
        "error",
        "单元格未填写",
        {
            "": "{where}：未填写，请填写数字（没有发生请填 0）。",
            "group": "{table} {ranges} 共 {count} 格未填写，请填写数字（没有发生请填 0）。",
        },
    ),
    "value-not-applicable": Entry(
        "warning",
        "填写了“/”“—”等符号（按 0 计算）",
        {
            "": "{where}：填写了{raw:q}，已按 0 计算；没有发生请填 0。",
            "report": "{where}：报告中印的是“{mark}”，按 0 计算。",
        },
    ),
    "value-text-number": Entry(
        "warning",
        "数字以文本形式存储",
        {
            "": "{where}：填写了{raw:q}，数字以文本形式存储{also}，已按 {read:n} 读取{notes}；请只填数字。",
        },
    ),
    "value-fullwidth": Entry(
        "warning",
        "使用了全角数字",
        {
            "": "{where}：填写了{raw:q}，使用了全角数字{also}，已按 {read:n} 读取{notes}；请只填数字。",
        },
    ),
    "value-unit-suffix": Entry(
        "warning",
        "数字后带单位",
        {
            "": "{where}：填写了{raw:q}，数字后带单位“{unit}”{also}，已按 {read:n} 读取{notes}；请只填数字。",
        },
    ),
    "value-plus-sign": Entry(
        "info",
        "数字前带“+”号",
        {
            "": "{where}：填写了{raw:q}，数字前带“+”号{also}，已按 {read:n} 读取{notes}；请只填数字。",
        },
    ),
    "value-negative": Entry(
        "error",
        "数量不能为负数",
        {
            "amount": "{where}：金额{raw:q}不能为负数。",
            "count": "{where}：填写了{raw:q}，件数不能为负数，请更正。",
        },
    ),
    "value-not-integer": Entry(
        "error",
        "数量必须为整数",
        {
            "": "{where}：填写了{raw:q}，件数必须为整数，请更正。",
        },
    ),
    "value-not-number": Entry(
        "error",
        "不是数字",
        {
            "": "{where}：填写了{raw:q}，不是数字，应填{expected}。",
            "plain": "{where}：填写了{raw:q}，不是数字。",
            "count-in-units": "{where}：填写了{raw:q}，本格填件数，请填写具体数字（不带“{unit}”）。",
            "count-as-money": "{where}：填写了{raw:q}，本格填件数，不能填金额，请更正。",
            "amount-with-unit": "{where}：填写了{raw:q}，本格填金额，请只填数字。",
        },
    ),
    "value-error": Entry(
        "error",
        "单元格为 Excel 错误值",
        {
            "": "{where}：单元格为错误值 {value}，请改为数字。",
            "total": "{where}：合计显示错误值 {value}，请检查公式引用的单元格。",
        },
    ),
    "value-date": Entry(
        "error",
        "数字单元格中填写了日期",
        {
            "": "{where}：填写了日期{value:q}，应填{expected}，请更正。",
            "serial": "{where}：填写的内容被识别为日期，应填{expected}，请更正。",
        },
    ),
    "value-bool": Entry(
        "error",
        "数字单元格中填写了逻辑值",
        {
            "": "{where}：填写了逻辑值 {value}，应填{expected}。",
        },
    ),
    "value-formula": Entry(
        "error",
        "填报单元格中填写了公式",
        {
            "": "{where}：填报单元格中填写了公式{formula:q}，请直接填写数字。",
        },
    ),
    # cover (封面)
    "cover-missing": Entry(
        "warning",
        "封面信息未填写",
        {
            "": "封面 {address}：“{label}”未填写，请补充。",
            "unit-name": "封面 {address}：“{label}”未填写，请填写单位全称。",
            "template-year": "封面 {address}：“{label}”未填写，已按模板年度 {year} 读取。",
            "no-year": "封面 {address}：“{label}”未填写，无法确定报告年度，请补充。",
            "template-unit": "封面 {address}：“{label}”未填写，已按模板中的{value:q}读取。",
        },
    ),
    "cover-invalid": Entry(
        "warning",
        "封面信息格式不正确",
        {
            "date": "封面 {address}：“{label}”应为日期（如 {example}），实际为{value:q}。",
            "year": "封面 {address}：“{label}”应为四位年份，实际为{value:q}。",
        },
    ),
    # identity
    "year-mismatch": Entry(
        "error",
        "报告年度不符",
        {
            "roster": "报告年度为 {year}，本次应报送 {expected} 年度报表。",
            "cover": "封面 {address}：报告年度填写为 {year}，但本模板是 {template} 年度的模板，请核对。",
            "merge": "报告年度为 {year}，本次汇总的是 {expected} 年度报表。",
        },
    ),
    "format-year-mismatch": Entry(
        "error",
        "报表格式与报告年度不符",
        {
            "": "报告年度 {year} 不应使用{notice}格式（该格式适用于{years}），请使用{right}对应的模板重新填报。",
            "merge": "报表格式为 {format}，{year} 年度应使用 {expected} 格式。",
        },
    ),
    "unit-mismatch": Entry(
        "error",
        "单位信息前后不一致",
        {
            "roster": "单位代码 {code} 在名单中为{listed:q}，报表中为{name:q}，请核对。",
            "cover": "封面 {address}：“{label}”填写为{value:q}，但本模板是发给{template:q}的，请核对。",
        },
    ),
    "unit-not-on-roster": Entry(
        "error",
        "单位不在报送名单中",
        {
            "": "单位{name:q}（代码 {code}）不在报送名单中，请核对单位代码。",
            "summary": "单位{name:q}（代码 {code}）不在报送名单中，请核对单位代码。（这是一份汇总表，不是单位报表。）",
            "by-name": "单位“{name}”在报送名单中找不到对应的名称，请核对或用 --unit-code 指定。",
        },
    ),
    "unit-code-missing": Entry(
        "error",
        "缺少单位代码",
        {
            "": "封面 {address}：“{label}”未填写，请填写区信息公开办分配的单位代码。",
        },
    ),
    # document schema
    "schema": Entry(
        "error",
        "数据不符合报表结构",
        {
            "cell": "{where}：填写的{shown:q}{reason}，应填{expected}。",
            "explanation": "{nth}{field}：{reason}。",
            "required": "{path}：缺少 {names}。",
            "extra": "{path}：含有本格式没有的项 {names}。",
            "field": "{label}：{shown:q}{reason}。",
            "not-object": "文档应为一个 JSON 对象。",
        },
    ),
    # workbook structure (reader)
    "format-unknown": Entry(
        "error",
        "无法识别的报表格式",
        {
            "json": "无法识别的报表格式{format:q}，可用格式：{known}。",
            "identity": "模板格式{format:q}（版本 {version}）无法识别，请使用区信息公开办下发的模板，或升级 ogi-xlsx。",
            "labels": "无法识别报表格式：文件中没有模板标识，表格文字也与 2019、2021 年格式都不相符。请使用区信息公开办下发的模板填报。",
            "import": "未知的报表格式“{format}”，可用：2019、2021。",
        },
    ),
    "format-retired": Entry(
        "error",
        "模板版本已停用",
        {
            "": "模板版本 {version} 已停用（现行版本 {current}），请使用新模板重新填报。",
        },
    ),
    "format-by-labels": Entry(
        "info",
        "模板标识缺失，已按表格文字识别格式",
        {
            "": "文件中没有模板标识（可能是复制到新工作簿或由其他软件另存），已按表格文字识别为{notice}格式（{years}）。",
        },
    ),
    "fingerprint-mismatch": Entry(
        "warning",
        "模板标识不一致",
        {
            "copies": "模板标识前后不一致（{first}与{other}的 {keys} 不同），文件可能被改动过，请使用下发的模板填报。",
            "version": "模板版本 {version} 与本程序的格式版本 {current} 不同，请核对是否使用了下发的模板。",
            "layout": "模板的版式标识与本程序的格式不一致（模板可能由其他版本生成），已按表格文字核对各表。",
        },
    ),
    "sheet-missing": Entry(
        "error",
        "缺少工作表",
        {
            "": "缺少工作表“{expected}”（{title}），该表数据无法读取，请使用原模板填报。",
            "cover": "缺少工作表“{expected}”，无法读取填报单位和报告年度，请使用原模板填报。",
        },
    ),
    "sheet-renamed": Entry(
        "warning",
        "工作表被改名",
        {
            "": "工作表“{expected}”被改名为{actual:q}，已按表格内容识别；请不要修改工作表名称。",
            "cover": "工作表“{expected}”被改名为{actual:q}，已按内容识别；请不要修改工作表名称。",
        },
    ),
    "sheet-extra": Entry(
        "info",
        "多出工作表",
        {
            "": "多出工作表{sheet:q}，其内容不会被读取。",
        },
    ),
    "label-changed": Entry(
        "error",
        "表格文字被修改",
        {
            "": "{table} {address}：表格文字应为“{expected}”，实际为{actual:q}{noted}，请恢复原文字，不要修改表格结构。",
        },
    ),
    "layout-shifted": Entry(
        "error",
        "表格行列被插入或删除",
        {
            "deleted": "{table} {address}：“{text}”这一{line}被删除了，该{line}数据无法读取。请使用原模板，不要插入或删除行列。",
            "": "{table}：从“{text}”（应在 {expected}，现在 {actual}）起，表格内容{shift}。请使用原模板，不要插入或删除行列。",
        },
    ),
    "formula-overwritten": Entry(
        "error",
        "合计公式被改为数值",
        {
            "deleted": "{where}：合计公式被删除，已按各项重新计算为 {expected:n}；请使用原模板填报。",
            "": "{where}：合计公式被改成了数值 {reported:n}（按各项计算应为 {expected:n}）。请恢复公式：在 {address} 输入 ={formula}（或从下发的模板复制此格），不要在合计格中填写。",
        },
    ),
    "formula-changed": Entry(
        "error",
        "合计公式被修改",
        {
            "": "{where}：合计公式被修改为{formula:q}，应为{expected:q}；已按各项重新计算。",
        },
    ),
    "cached-stale": Entry(
        "warning",
        "合计未重新计算或被改动",
        {
            "": "{where}：文件中保存的合计为 {cached:n}，按各项计算应为 {expected:n}（未重新计算或被改动），已按 {expected:n} 计算。",
        },
    ),
    "protection-removed": Entry(
        "warning",
        "工作表保护被取消",
        {
            "": "{table}：工作表保护被取消，合计公式和表格文字可能被改动，请使用原模板填报。",
            "cover": "封面：工作表保护被取消，填报单位和报告年度可能被改动，请核对。",
        },
    ),
    "structure-unlocked": Entry(
        "info",
        "工作簿结构未锁定",
        {
            "": "工作簿结构保护已取消（用 LibreOffice 等软件保存后常见），仅作提示。",
        },
    ),
    "unexpected-value": Entry(
        "warning",
        "表格外填写了内容",
        {
            "": "{table} {address}：表格以外填写了{text:q}，不会被读取；如是说明，请写在报告正文中。",
        },
    ),
    # the January inbox (issue 11): data nobody sees
    "sheet-hidden": Entry(
        "warning",
        "工作表被隐藏",
        {
            "": "工作表{sheet:q}被隐藏，其中 {count} 个填报格有数据（已读取）；查看和打印时看不到，请取消隐藏后核对。",
        },
    ),
    "rows-hidden": Entry(
        "warning",
        "有数据的行被隐藏",
        {
            "": "{table} 第 {rows} 行被隐藏，其中有填报数据（{cells}，已读取）；查看和打印时看不到，请取消隐藏后核对。",
        },
    ),
    "fill-total-replaced": Entry(
        "warning",
        "给出的合计已按各项重新计算",
        {
            "": "{where}：给出的合计为 {given:n}，按各项计算应为 {written:n}；生成的文件中此格是合计公式，显示 {written:n}。请核对各项数据或合计。",
        },
    ),
    # files
    "file-empty": Entry(
        "error",
        "文件为空",
        {
            "": "文件是空的（0 字节），可能在传送或下载时出错。请从原始位置重新复制或重新导出后提交。",
            "detail": "文件是空的（0 字节），可能在传送或下载时出错。请从原始位置重新复制或重新导出后提交。（{detail}）",
            "report": "“{name}”是空文件。",
        },
    ),
    "file-not-xlsx": Entry(
        "error",
        "不是 .xlsx 文件",
        {
            "": "文件不是 Excel 工作簿（.xlsx）。请使用下发的模板填报，在 Excel 或 WPS 中打开，“另存为” Excel 工作簿（.xlsx）后重新提交。",
            "detail": "文件不是 Excel 工作簿（.xlsx）。请使用下发的模板填报，在 Excel 或 WPS 中打开，“另存为” Excel 工作簿（.xlsx）后重新提交。（{detail}）",
            "ods": "{name:q}是 .ods 文件，请另存为 .xlsx 后重新提交。",
        },
    ),
    "file-xls": Entry(
        "error",
        "旧版 .xls 文件",
        {
            "": "文件是旧版 Excel 97-2003 格式（.xls），请在 Excel 或 WPS 中“另存为” Excel 工作簿（.xlsx）后重新提交。",
            "detail": "文件是旧版 Excel 97-2003 格式（.xls），请在 Excel 或 WPS 中“另存为” Excel 工作簿（.xlsx）后重新提交。（{detail}）",
            "suffix": "{name:q}是旧版 Excel（.xls）文件，请用 Excel 或 WPS 另存为 .xlsx 后重新提交。",
        },
    ),
    "file-et": Entry(
        "error",
        "WPS .et 文件",
        {
            "": "文件是 WPS 表格格式（.et），请在 WPS 中“另存为” Excel 工作簿（.xlsx）后重新提交。",
            "detail": "文件是 WPS 表格格式（.et），请在 WPS 中“另存为” Excel 工作簿（.xlsx）后重新提交。（{detail}）",
            "suffix": "{name:q}是 WPS 表格（.et）文件，请在 WPS 中另存为 .xlsx 后重新提交。",
        },
    ),
    "file-encrypted": Entry(
        "error",
        "文件设置了打开密码",
        {
            "": "文件设置了打开密码，无法读取。请在 Excel（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）或 WPS（文件 → 文档加密 → 密码加密，清空密码）中取消打开密码，保存为 .xlsx 后重新提交。",
            "detail": "文件设置了打开密码，无法读取。请在 Excel（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）或 WPS（文件 → 文档加密 → 密码加密，清空密码）中取消打开密码，保存为 .xlsx 后重新提交。（{detail}）",
            "source": "“{name}”：{reason}。",
        },
    ),
    "file-corrupt": Entry(
        "error",
        "文件已损坏",
        {
            "": "文件已损坏或不完整，无法读取。请在 Excel 或 WPS 中打开检查，重新保存为 .xlsx 后提交；如打不开，请重新传送原文件。",
            "detail": "文件已损坏或不完整，无法读取。请在 Excel 或 WPS 中打开检查，重新保存为 .xlsx 后提交；如打不开，请重新传送原文件。（{detail}）",
            "source": "“{name}”：{reason}。",
        },
    ),
    "file-too-large": Entry(
        "error",
        "文件过大",
        {
            "": "文件过大，超出审核程序的处理上限。请删除与报表无关的工作表、图片和多余的行列，再在 Excel 或 WPS 中打开，“另存为” Excel 工作簿（.xlsx）后重新提交。",
            "detail": "文件过大，超出审核程序的处理上限。请删除与报表无关的工作表、图片和多余的行列，再在 Excel 或 WPS 中打开，“另存为” Excel 工作簿（.xlsx）后重新提交。（{detail}）",
            "size": "{name:q}有 {mb:.1f} MB，超过上限 {limit:g} MB，不像是一份年度报表统计表；请检查是否发错了文件（如需放宽上限，用 --limits max_file_mb=…）。",
            "json": "{name:q}过大（{size} 字节）。",
            "source": "“{name}”：{reason}。",
            "report-cells": "“{name}”的表格过大（超过 {cells} 个单元格）。",
            "report-memory": "“{name}”内容过多，超出内存上限。",
            "report-size": "“{name}”有 {mb:.1f} MB，超过上限 {limit:g} MB（如需放宽，用 --limits max_file_mb=…）。",
        },
    ),
    "file-unsafe": Entry(
        "error",
        "文件内容不安全",
        {
            "": "文件中含有不安全或异常的内容，已拒绝读取。请在 Excel 或 WPS 中打开，“另存为” Excel 工作簿（.xlsx）后重新提交。",
            "detail": "文件中含有不安全或异常的内容，已拒绝读取。请在 Excel 或 WPS 中打开，“另存为” Excel 工作簿（.xlsx）后重新提交。（{detail}）",
            "source": "“{name}”：{reason}。",
        },
    ),
    "file-unreadable": Entry(
        "error",
        "无法读取文件",
        {
            "": "无法读取文件（文件不存在、没有读取权限或正被其他程序占用）。请确认文件位置后重试。",
            "detail": "无法读取文件（文件不存在、没有读取权限或正被其他程序占用）。请确认文件位置后重试。（{detail}）",
            "not-regular": "{name:q}不是普通文件（可能是管道、设备或文件夹的链接），无法作为报表读取。",
            "os": "无法读取文件{name:q}：{reason}。",
            "json": "{name:q}不是有效的 JSON 文件（{reason}）。",
            "bug": "读取{name:q}时出错（{error}），请另存为 .xlsx 后重新提交；如仍出错请联系管理员。",
            "member": "无法读取压缩包内的{member:q}：{reason}。",
            "member-bug": "读取{name:q}时出错（{error}）。",
            "source": "“{name}”：{reason}。",
            "report-bug": "读取“{name}”时出错（{error}），请另存为 .docx 后重试；如仍出错请联系管理员。",
            "report-os": "无法读取文件“{name}”：{reason}。",
        },
    ),
    # merge
    "merge-duplicate-file": Entry(
        "info",
        "同一文件重复提交",
        {
            "": "{name}（{code}）：{label}。{note}",
        },
    ),
    "merge-conflict": Entry(
        "error",
        "同一单位提交了不同文件",
        {
            "": "{name}（{code}）：{label}。{note}",
        },
    ),
    "merge-missing": Entry(
        "error",
        "单位未报送",
        {
            "": "{name}（{code}）：{label}。{note}",
        },
    ),
    "merge-unexpected": Entry(
        "error",
        "单位不在报送名单中",
        {
            "": "{name}（{code}）：{label}。{note}",
        },
    ),
    # queries (核实): plausibility rules (合理性, ogi_xlsx/checks/plausibility.py) and the unit's
    # explanations of queries (情况说明, ogi_xlsx/checks/explanations.py)
    "implausible-value": Entry(
        "query",
        "数值超出常见范围",
        {
            "": "{where}：{title}。{text}",
        },
    ),
    "implausible-change": Entry(
        "query",
        "与上年度相比变化异常",
        {
            "": "{where}：{title}。{text}",
        },
    ),
    "implausible-shape": Entry(
        "query",
        "数据组合不常见",
        {
            "": "{where}：{title}。{text}",
        },
    ),
    "explanation-rejected": Entry(
        "warning",
        "情况说明未说明原因",
        {
            "": "{where} 的情况说明“{text}”{reason}，不能作为说明，该核实项仍未解决。请改正数据，或说明原因，例如：{example}",
            "office": "{where} 的情况说明“{text}”已被区政务公开办退回：{reason}。该核实项仍未解决，请改正数据，或重新说明原因，例如：{example}",
        },
    ),
    "explanation-unmatched": Entry(
        "info",
        "情况说明未对应任何核实项",
        {
            "error": "情况说明{named}对应的是错误（{where}），错误必须改正后重新报送，不能用情况说明代替。",
            "": "情况说明{named}没有对应任何需要核实的项目，未作处理。请在“规则”或“单元格”栏写明所说明的核实项（如 表三 J6），或删去这一行。",
        },
    ),
    "explanation-carried": Entry(
        "info",
        "下级单位的情况说明",
        {
            "": "下级单位的情况说明（{where}）：{text}",
        },
    ),
    "explanation-too-many": Entry(
        "warning",
        "情况说明行数过多",
        {
            "": "“{sheet}”工作表有 {rows} 条说明，只读取了前 {read} 条。请只保留对审核核实项的说明。",
        },
    ),
    # published annual reports read by `import` / validate (issue 15)
    "report-unsupported": Entry(
        "error",
        "报告文件类型无法读取",
        {
            "old-word": "“{name}”是{what}文件，无法直接读取；请用 Word 或 WPS 另存为 .docx 后再导入。",
            "unknown": "“{name}”不是可读取的报告（支持 PDF、.docx、网页 .html 和 .txt）；如果是图片，请提供带文字的 PDF 或 .docx。",
            "source": "“{name}”：{reason}。",
        },
    ),
    "report-no-text": Entry(
        "error",
        "报告没有文字层（扫描件或图片）",
        {
            "": "“{name}”没有文字层（共 {pages} 页，是扫描件或图片），无法读取数字；请提供带文字的 PDF（由 Word/WPS 直接导出）或 .docx。不做文字识别，以免读错数字。",
        },
    ),
    "report-no-tables": Entry(
        "error",
        "报告中未找到统计表",
        {
            "": "“{name}”中没有找到统计表（二、主动公开，三、依申请公开，四、复议诉讼）{hint}；请提供带文字的 PDF、.docx 或网页版本的年度报告。",
        },
    ),
    "report-too-slow": Entry(
        "error",
        "报告读取超时",
        {
            "source": "“{name}”：{reason}。",
        },
    ),
    "report-truncated": Entry(
        "warning",
        "报告页数过多，只读取了前面的页",
        {
            "": "“{name}”有 {pages} 页，只读取了前 {read} 页；统计表在后面的页时请只提供报告本身。",
        },
    ),
    "import-summary": Entry(
        "info",
        "导入情况",
        {
            "": "从{kind}读取：{tables}。共 {total} 格，读到数字 {read} 格，空白 {blank} 格，“/”等 {marks} 格，未找到 {missing} 格；格式{how}；单位“{unit}”{unit_source}，年度 {year}。",
        },
    ),
    "import-identity": Entry(
        "warning",
        "未能从报告中读出单位或年度",
        {
            "unit": "报告中没有找到单位名称（标题如“××街道办事处 2020 年政府信息公开工作年度报告”）；请用 --unit-name 指定。",
            "year": "报告中没有找到报告年度（标题或“统计时限”）；请用 --year 指定。",
            "no-code": "发布的报告没有单位代码：跨年度核对按单位名称对应；导出的 JSON 请用 --unit-code 补上代码。",
        },
    ),
    "import-format": Entry(
        "info",
        "报表格式按表格文字判断",
        {
            "": "报表格式{how}判断为 {format} 年格式（{notice}）。",
        },
    ),
    "import-format-mixed": Entry(
        "warning",
        "报告混用了两种格式",
        {
            "year": "报告年度 {year} 应使用{notice}格式，但报告的{reasons}是 {labelled} 年格式；已按 {format} 年格式导入，两种格式共有的格照常读取。",
            "other-single": "表三的（六）其他处理是 2019 年格式的一行（不分三项）：已导入为（六）3.其他，1、2 两项按空白处理；请核对原报告。",
            "other-split": "表三的（六）其他处理分三项（2021 年格式）：已合计为 2019 年格式的（六）其他处理一行。",
            "dropped": "报告中有 {count} 格是另一种格式才有的（{labels}），{format} 年格式没有对应的格，未导入；请按{notice}格式核对。",
        },
    ),
    "import-row-missing": Entry(
        "warning",
        "报告中未找到该行",
        {
            "": "{table}中未找到 {count} 行：{labels}{note}；这些格按未填写处理，请核对原报告。",
            "table": "报告中未找到{title}的统计表；如果这张表是图片，请提供带文字的 PDF 或 .docx。",
        },
    ),
    "import-row-unplaced": Entry(
        "warning",
        "该行数字无法对应到列",
        {
            "": "{table}“{label}”（{place}）：{why}；此行未导入（印有：{printed}），请核对原报告或提供 .docx/网页版本。",
        },
    ),
    "import-row-unknown": Entry(
        "info",
        "报告中有格式以外的行",
        {
            "": "{table}中的“{label}”（{place}）不是本格式的行，其数字（{printed}）未导入。",
        },
    ),
    "import-row-duplicate": Entry(
        "warning",
        "同一行出现两次且数字不同",
        {
            "": "{table}“{label}”在{place}又出现一次且数字不同；已用第一次出现的数字，请核对原报告。",
        },
    ),
    "import-label-approximate": Entry(
        "info",
        "标签与官方文字近似",
        {
            "": "“{label}”（{place}）与官方文字“{official}”不完全相同，已按“{official}”读取。",
        },
    ),
    "import-value-converted": Entry(
        "info",
        "数值已换算或去掉符号",
        {
            "": "已换算或去掉符号、单位：{items}。",
            "same-values": "{table}（{place}）印有的数字比格子多 {extra} 个；因各数都相同，取哪几个都一样，已照此导入。",
        },
    ),
    "import-value-unreadable": Entry(
        "error",
        "单元格内容不是数字",
        {
            "": "{where}：报告中印的是“{raw}”（{place}），不是数字，未导入；请核对原报告。",
            "not-integer": "{where}：报告中印的是“{raw}”（{place}），数量应为整数，未导入；请核对原报告。",
        },
    ),
    "import-blank": Entry(
        "info",
        "报告中的空白格",
        {
            "": "报告中{parts}：空白不等于 0，这些格按未填写导入。",
        },
    ),
    "narrative-mismatch": Entry(
        "warning",
        "正文与表格数字不一致",
        {
            "": "正文称{what} {number} 件（{place}：“{quoted}”），{table}“{names}”为 {value:n} 件；请核对正文与表格。",
        },
    ),
    "cross-year-by-name": Entry(
        "info",
        "上年度报表按单位名称匹配",
        {
            "": "报告没有单位代码，按单位名称“{name}”对应到名单中的“{listed}”（代码 {code}）。",
            "previous": "上年度报告“{file}”没有单位代码，按单位名称“{name}”对应到本单位“{listed}”（{code}）。",
        },
    ),
    # collection portal (ogi-xlsx serve): a return uploaded through another unit's link
    "portal-wrong-unit": Entry(
        "error",
        "不是本单位的报表",
        {
            "": "这份报表是“{other}”（单位代码 {code}）的，不是本单位“{name}”（{unit_code}）的；请通过本单位的链接下载本单位的模板，填写后再上传。",
        },
    ),
    "portal-returned": Entry(
        "error",
        "已被退回",
        {
            "": "区政务公开办已退回：{reason}",
        },
    ),
}


# Pieces of messages, chosen by the code that makes a finding and passed in as one placeholder
# (the cell named in most findings, what a cell should hold, the extra notes of a number read from text).
PIECES: dict[str, str] = {
    "where": "{table} {address}（{label}）",
    "expected-amount": "金额{unit}",
    "expected-amount-unit": "（{unit}）",
    "expected-signed_count": "整数",
    "expected-count": "非负整数",
    "also-fullwidth": "、使用了全角字符",
    "also-thousands": "、带千位分隔符",
    "converted": "，已由{unit}换算为{target}",
    "years-2021": "2021 年及以后",
    "years-2019": "2019—2020 年",
    "empty": "空",
    # schema findings: why a value is refused (by JSON Schema keyword), what the cell should hold
    "reason-type": "类型不正确",
    "reason-minimum": "不能小于 {limit}",
    "reason-maximum": "不能大于 {limit}",
    "reason-required": "缺少必填项",
    "reason-additionalProperties": "含有本格式没有的项",
    "reason-const": "应为 {limit}",
    "reason-pattern": "格式不正确",
    "reason-minLength": "不能为空",
    "reason-maxLength": "过长（不超过 {limit} 字）",
    "reason-anyOf": "格式不正确",
    "reason-other": "不符合要求",
    "reason-explanations-list": "应为由多条说明组成的列表",
    "reason-explanation-record": "应为一条包含说明（text）的记录，可另写规则（rule）和单元格（cell）",
    "schema-count": "非负整数",
    "schema-signed_count": "整数",
    "schema-amount": "不小于 0 的金额{unit}",
    "explanation-nth": "情况说明第 {n} 条",
    "explanation-sheet": "情况说明",
    "field-rule": "的规则",
    "field-cell": "的单元格",
    "field-text": "的说明",
    "document": "文档",
    "and-more": "等",
    "path-year": "报告年度",
    "path-format": "报表格式",
    "path-unit/code": "单位代码",
    "path-unit/name": "单位名称",
    # sum rules (勾稽关系) and cross-year rules
    "contributor": "{address}={value}",
    "side-total": "合计",
    "side-items": "各项",
    "left": "左边",
    "right": "右边",
    "check-columns": "各列中不平衡的那一列（已分别列出）",
    "check-items": "{name}的各项",
    "check-cell": "{address}（{name}）",
    "this-year": "本年",
    "last-year": "上年",
    "term-this-year": "本年{name}",
    "term-previous-year": "{year} 年度{name}",
    "calculation": "{terms} 应为 {expected}，填报 {reported}",
    # a rule a total typed over its formula takes part in (the typed cell is said once, by formula-overwritten)
    "typed-cause": "{cells} 是合计格中手填的数（见该格的提示）",
    "typed-follows": "{cells} 随之变化",
    "typed-consequence": "恢复公式后此项即平衡",
    "typed-note-consequence": "（其中 {parts}。）",
    "typed-note-check": "（其中 {parts}；恢复公式后请重新核对。）",
    # the workbook's structure (reader)
    "identity-properties": "文档属性",
    "identity-names": "定义名称",
    "identity-sheet": "标识工作表",
    "shift-down": "下移了 {n} 行（上方插入了行）",
    "shift-up": "上移了 {n} 行（上方删除了行）",
    "shift-right": "右移了 {n} 列（左侧插入了列）",
    "shift-left": "左移了 {n} 列（左侧删除了列）",
    "deleted-row": "行",
    "deleted-column": "列",
    "label-noted": "（加了说明文字）",
    # why a file cannot be read (the reader's details, in parentheses after the file finding)
    "raw": "{text}",
    "is-doc": "这是 Word 文档（.doc）",
    "is-old-office": "这是旧版 Office 文件，不是 .xlsx 工作簿",
    "is-pdf": "这是 PDF 文件，请提交 Excel 报表而不是打印件",
    "is-html": "这是网页（HTML）格式，只是扩展名为 Excel",
    "is-xml2003": "这是 Excel 2003 XML 表格",
    "is-xml": "这是 XML 或网页文件",
    "is-archive": "这是压缩包，请解压后提交其中的 .xlsx 文件",
    "is-xlsb": "这是二进制工作簿（.xlsb）",
    "is-docx": "这是 Word 文档（.docx）",
    "is-pptx": "这是 PowerPoint 演示文稿",
    "is-ods": "这是 OpenDocument 表格（.ods）",
    "no-workbook": "压缩包中没有 Excel 工作簿",
    "zip-ratio": "压缩包内{name:q}的压缩比异常（疑似“压缩炸弹”）",
    "inflated-total": "解压后共 {size}，上限 {limit}",
    "part-size": "{name:q}解压后 {size}，上限 {limit}",
    "part-over": "{name:q}解压后超过 {limit}",
    "inflated-over": "解压后超过 {limit}",
    "size-mismatch": "{name:q}的实际大小与声明不符",
    "part-empty": "{name:q}是空的",
    "part-dtd": "{name:q}含有 DTD/实体声明",
    "part-large": "{name:q}过大",
    "part-elements": "{name:q}中的元素过多",
    "styles-large": "样式表过大",
    "strings-many": "共享字符串超过 {count} 个",
    "merges-many": "工作表{sheet:q}合并单元格过多",
    "row-bad": "工作表{sheet:q}的行号{value:q}无效",
    "cells-many": "单元格数量超过上限 {count}（工作表{sheet:q}）",
    "ref-bad": "工作表{sheet:q}的单元格地址{value:q}无效",
    "row-cells-many": "工作表{sheet:q}第 {row} 行的单元格过多",
    "string-missing": "工作表{sheet:q}{address} 引用了不存在的共享字符串",
    "entries-many": "压缩包内文件过多（{count} 个）",
    "zip-incomplete": "压缩结构不完整，可能下载或传送中断",
    "sheets-many": "工作表过多",
    "names-many": "名称过多",
    "file-size": "文件 {size}，上限 {limit}",
    "memory": "内存不足",
    "xml-bad": "XML 格式错误：{text}",
    "dtd": "含有 DTD/实体声明",
    "deflate-bad": "压缩数据损坏或不完整",
    "compression-unsupported": "使用了不支持的压缩方式",
    "named": "（{named}）",
    "judge-empty": "是空的",
    "judge-boilerplate": "只说核实过、数据无误，没有说明原因",
    "judge-short": "过短，没有说明原因",
    "returned-default": "请按办公室的意见修改后重新上传",
    "how-option": "按 --format 指定",
    "how-year": "按报告年度 {year}",
    "how-labels": "按表格文字（{reasons}）",
    "how-default": "表格文字不能确定格式，按 2021 年格式",
    "import-where": "{table} {address}（{label}）",
    "import-converted": "{where}“{raw}”→ {value}",
    "import-unplaced-note": "（其中有的行数字无法对应到列，见下）",
    "no-row-label": "（无行名）",
    "why-no-columns": "没有找到这一栏的表头（信息内容…），不能确定各数所在的列",
    "why-more": "印有的数字比格子多，不能确定各数所在的列",
    "why-fewer": "印有的数字比格子少（空白格在转换中丢失），不能确定各数所在的列",
    "old-wps": "WPS 文字（.wps）",
    "old-doc": "旧版 Word（.doc）",
    "report-images": "（报告中有图片，表格可能是图片）",
    "no-tables-found": "未找到统计表",
    "unknown": "未知",
    "table-seen-at": "{name}见{place}",
    "title-source": "（取自{place}标题）",
    "blank-cells": "{count} 格为空白（{places}）",
    "marked-cells": "{count} 格印的是{marks}（{places}）",
    "kind-pdf": "PDF",
    "kind-docx": "Word 文件",
    "kind-html": "网页",
    "kind-text": "文本",
    "kind-file": "文件",
    "pdf-too-slow": "PDF 在 {limit:g} 秒内未能读完（页数过多或文件结构异常），请另存为 .docx 或提供页数较少的 PDF",
    "pdf-encrypted": "PDF 设置了密码，请提供未加密的 PDF 或 .docx",
    "pdf-memory": "PDF 内容过多，超出内存上限",
    "pdf-corrupt": "PDF 文件不完整或已损坏（可能下载或传送中断），无法读取；请重新下载，或提供 .docx",
    "docx-is-excel": "这是 Excel 报表，不是发布的报告；请用 validate 或 export 读取",
    "docx-no-body": "压缩包中没有 Word 正文（word/document.xml），不是 .docx 文件",
    "docx-dtd": "Word 正文含有 DTD/实体声明",
    "docx-open": "无法打开 Word 文件（{error}）",
    "docx-cells": "表格单元格超过 {count} 个",
    "table-3": "表三",
    "table-4": "表四",
}
