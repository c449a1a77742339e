"""Regenerate every committed artefact derived from the format definitions.

    python tools/regenerate.py

Writes ``schemas/<format>.schema.json`` (JSON Schema of a return), ``schemas/settings.schema.json``
(the office's settings file),
``templates/<format>-blank.xlsx`` (the blank templates anyone can download) and the golden
filled return ``tests/golden/haibin-2024-return.xlsx``. Tests fail when
the committed files drift from what the code produces, so run this after changing a format,
the layout or the template writer, and commit the result.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ogi_xlsx.checks.schema import schema_text  # noqa: E402
from ogi_xlsx.checks.settings import schema_text as settings_schema_text  # noqa: E402
from ogi_xlsx.model.document import document_from_json  # noqa: E402
from ogi_xlsx.model.spec import all_formats  # noqa: E402
from ogi_xlsx.writing.template import blank_template_year, write_workbook  # noqa: E402


def main() -> None:
    for spec in all_formats():
        schema = ROOT / "schemas" / f"{spec.id}.schema.json"
        schema.write_text(schema_text(spec), encoding="utf-8", newline="\n")
        print(f"wrote {schema.relative_to(ROOT)}")
        template = ROOT / "templates" / f"{spec.id}-blank.xlsx"
        write_workbook(template, spec, year=blank_template_year(spec))
        print(f"wrote {template.relative_to(ROOT)}")
    settings = ROOT / "schemas" / "settings.schema.json"
    settings.write_text(settings_schema_text(), encoding="utf-8", newline="\n")
    print(f"wrote {settings.relative_to(ROOT)}")
    # the golden filled return (tests/writing/test_template.py::test_golden_filled_return builds the same)
    doc = document_from_json(json.loads((ROOT / "examples" / "haibin-2024.json").read_text(encoding="utf-8")))
    golden = ROOT / "tests" / "golden" / "haibin-2024-return.xlsx"
    golden.parent.mkdir(exist_ok=True)
    write_workbook(
        golden,
        doc.spec,
        year=doc.year,
        unit_code=doc.unit_code,
        unit_name=doc.unit_name,
        cover=dict(doc.cover),
        values=doc.values,
        kind="return",
    )
    print(f"wrote {golden.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
