"""``python -m ogi_xlsx``: the same command line as the ``ogi-xlsx`` console script."""

from ogi_xlsx.cli.main import main

main()
