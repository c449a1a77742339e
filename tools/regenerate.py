"""Regenerate every committed artefact derived from the format definitions.

    python tools/regenerate.py

Writes ``schemas/<format>.schema.json`` (JSON Schema of a return) and
``templates/<format>-blank.xlsx`` (the blank templates anyone can download). Tests fail when
the committed files drift from what the code produces, so run this after changing a format,
the layout or the template writer, and commit the result.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ogi_xlsx.document import schema_text  # noqa: E402
from ogi_xlsx.spec import all_formats  # noqa: E402
from ogi_xlsx.template import blank_template_year, write_workbook  # noqa: E402


def main() -> None:
    for spec in all_formats():
        schema = ROOT / "schemas" / f"{spec.id}.schema.json"
        schema.write_text(schema_text(spec), encoding="utf-8", newline="\n")
        print(f"wrote {schema.relative_to(ROOT)}")
        template = ROOT / "templates" / f"{spec.id}-blank.xlsx"
        write_workbook(template, spec, year=blank_template_year(spec))
        print(f"wrote {template.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
