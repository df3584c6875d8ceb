"""Run the command line as ``python -m fairbo.cli``."""

from fairbo.cli import main

main()
