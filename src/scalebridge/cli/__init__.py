"""The ``scalebridge`` command line: argparse sub-commands, one module per workflow."""
