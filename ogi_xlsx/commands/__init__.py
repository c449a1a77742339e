"""CLI commands, one module per capability; each registers on ``ogi_xlsx.cli.app``."""
