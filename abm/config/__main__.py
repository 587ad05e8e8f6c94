"""``python -m abm.config``: print the parameter table; ``--update [docs/ODD.md]`` rewrites it there;
``explain KEY`` says what one parameter is: its meaning, default, range, provenance and source and, if it is
calibrated, its interval across the shipped posterior draws."""

import sys

from abm.config import markdown_table, update_odd
from abm.config.explain import explain

if sys.argv[1:2] == ["--update"]:
    update_odd(sys.argv[2] if len(sys.argv) > 2 else "docs/ODD.md")
elif sys.argv[1:2] == ["explain"]:
    if len(sys.argv) != 3:
        print("error: explain takes one key, e.g. python -m abm.config explain behaviour.pressure_effort",
              file=sys.stderr)
        raise SystemExit(2)
    try:
        print(explain(sys.argv[2]))
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        raise SystemExit(2) from None
else:
    print(markdown_table())
