#!/usr/bin/env bash
# Create .venv with a Python >= 3.12 and < 3.14 (Mesa 3.5 needs 3.12; Hydra 1.3 breaks on 3.14) and install the
# project with its test tools. Looks at $PYTHON, python3.13, python3.12, python3, python, then pyenv's versions.
set -euo pipefail
cd "$(dirname "$0")/.."

ok() { "$1" -c 'import sys; sys.exit(0 if (3, 12) <= sys.version_info[:2] < (3, 14) else 1)' 2>/dev/null; }

find_python() {
  local c
  for c in ${PYTHON:-} python3.13 python3.12 python3 python; do
    if command -v "$c" >/dev/null 2>&1 && ok "$(command -v "$c")"; then command -v "$c"; return 0; fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for c in "$(pyenv root)"/versions/3.13*/bin/python "$(pyenv root)"/versions/3.12*/bin/python; do
      if [ -x "$c" ] && ok "$c"; then echo "$c"; return 0; fi
    done
  fi
  return 1
}

if [ -x .venv/bin/python ] && ok .venv/bin/python; then
  :
else
  if ! PY=$(find_python); then
    echo "error: no Python >= 3.12 and < 3.14 found (tried \$PYTHON, python3.13, python3.12, python3, python, pyenv);" \
         "install Python 3.12 or 3.13, or set PYTHON=/path/to/python3.12" >&2
    exit 1
  fi
  echo "creating .venv with $PY ($("$PY" --version 2>&1))"
  rm -rf .venv
  "$PY" -m venv .venv
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[test]"
  touch "$stamp"
fi
