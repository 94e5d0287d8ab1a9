"""python -m cli: the okrlens command."""

from cli.main import main

main()
