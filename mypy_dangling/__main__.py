"""``python -m mypy_dangling``: the same as the ``mypy-dangling`` command."""

from mypy_dangling.cli import console_main

if __name__ == "__main__":
    console_main()
