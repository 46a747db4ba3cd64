"""The `facturo` command line: management commands that call services."""
