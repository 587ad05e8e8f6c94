"""``python -m abm.config``: print the parameter table; ``--update [docs/ODD.md]`` rewrites it there."""

import sys

from abm.config import markdown_table, update_odd

if sys.argv[1:2] == ["--update"]:
    update_odd(sys.argv[2] if len(sys.argv) > 2 else "docs/ODD.md")
else:
    print(markdown_table())
