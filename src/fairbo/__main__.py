"""``python -m fairbo``: the same as the ``fairbo`` command."""

from fairbo.cli import main

main()
