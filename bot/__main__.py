"""``python -m bot`` is ``skedbot``."""

from bot.cli import main

raise SystemExit(main())
