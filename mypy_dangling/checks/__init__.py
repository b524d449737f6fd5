"""One module per kind of finding; each exports a ``check_*`` function the plugin calls."""
