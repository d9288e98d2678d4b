"""The `coach` command line (interface layer)."""
