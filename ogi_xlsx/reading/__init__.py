"""Reading workbooks: the safe xlsx reader, the stages of extraction (format, sheets, cells,
cover, inputs, totals), normalisation of typed values, rosters and the explanation sheet."""
