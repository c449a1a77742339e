"""Everything that writes .xlsx: the template and return writer, the summary, the annotated copy.
Sits above ``pipeline`` because it renders the pipeline's results (MergeResult, FileReport)."""
