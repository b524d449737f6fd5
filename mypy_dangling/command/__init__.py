"""The ``mypy-dangling`` command: mypy with the plugin, on any tree ruff runs on.

``cli`` parses the arguments and prints; ``sources`` finds the files and splits them into
builds; ``builds`` runs mypy and turns blocking errors into skipped files; ``blockers``
reads those errors; ``plugins`` leaves out configured plugins that are not installed;
``output`` and ``baseline`` are the formats and ``--baseline``.
"""
