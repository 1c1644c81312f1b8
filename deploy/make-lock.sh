#!/usr/bin/env bash
# Regenerate deploy/requirements.lock: the kiosk's runtime dependencies (pyproject.toml, no
# extras), each pinned to one version with the sha256 of every file PyPI has for it, for any
# Python from 3.11 on. Needs uv (pip install uv). Add --upgrade to move to the newest releases;
# commit the lock, then build a new wheelhouse (deploy/make-wheelhouse.sh). See docs/deploy.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v uv >/dev/null || { echo "make-lock.sh: needs uv: pip install uv" >&2; exit 1; }
uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 \
    --custom-compile-command deploy/make-lock.sh --output-file deploy/requirements.lock "$@"
