"""The data model: format spec, layout (the one cell geometry), identity, limits, documents, findings.

Pure data and its helpers: no file reading, no xlsxwriter, nothing from the packages above.
"""
