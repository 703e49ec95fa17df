"""`python -m assay`: the same as the `assay` command."""
from assay.app.launcher import main

raise SystemExit(main())
