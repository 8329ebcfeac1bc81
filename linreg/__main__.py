"""``python -m linreg``: the same as the ``linreg`` command (see `linreg._entry`)."""

from linreg._entry import main

raise SystemExit(main())
