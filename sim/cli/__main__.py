"""``python -m sim.cli`` is ``scensim``."""

from sim.cli.main import main

raise SystemExit(main())
