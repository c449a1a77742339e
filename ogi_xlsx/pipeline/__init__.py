"""Files to reports: options, discovery (folders, .zip attachments), checking one file and a batch
(process pool, cache), cross-year matching, queries, and the merge into a district summary."""
