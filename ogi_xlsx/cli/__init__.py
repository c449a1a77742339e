"""The command line: ``main`` (the typer app), ``common`` (shared options), ``render`` (terminal
and JSON output) and one module per command. Nothing is imported here (``--help`` stays light)."""
