"""The collection portal (``ogi-xlsx serve``): the district office and every unit in the browser.

``store`` (SQLite + files by sha256 + audit log) and ``security`` use the standard library only;
``app`` (Starlette, Jinja2) is imported only by the ``serve`` command and the tests.
"""
