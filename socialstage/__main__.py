"""``python -m socialstage``: the same command line as the ``socialstage`` script."""

from socialstage.cli import main

if __name__ == "__main__":
    main()
