"""Start the newsbrief web demo: ``python app.py --help`` lists the flags."""

import sys

from summarizer.webapp import main

if __name__ == "__main__":
    sys.exit(main())
