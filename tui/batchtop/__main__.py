"""`python -m batchtop` runs the same CLI as the `batchtop` script."""

from batchtop.cli import main

raise SystemExit(main())
