"""``python -m summarizer.webapp``: the web demo."""

import sys

from .cli import main

sys.exit(main())
