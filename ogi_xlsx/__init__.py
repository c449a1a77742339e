"""ogi-xlsx: templates, validation and consolidation of 政府信息公开工作年度报告 statistics."""

__version__ = "0.1.0"
