#!/usr/bin/env bash
# Build a release folder for an offline install: the kiosk's own wheel and every dependency
# wheel pinned and hashed in deploy/requirements.lock, with deploy/ and docs/deploy.md beside
# them. Run it where there is network (the administrator's laptop), carry OUT on a stick, and
# on the kiosk run: sudo OUT/deploy/install.sh (it installs from OUT/wheels with --no-index
# --require-hashes). Extra arguments go to `pip download`, to fetch wheels for the kiosk's
# Python when the laptop's differs, e.g.: --python-version 3.11 --platform manylinux_2_28_x86_64
set -euo pipefail

say() { printf 'make-wheelhouse.sh: %s\n' "$*"; }
die() { printf 'make-wheelhouse.sh: %s\n' "$*" >&2; exit 1; }

(($# >= 1)) || die "usage: deploy/make-wheelhouse.sh OUT [pip download options]"
out=$1
shift
SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
[[ ! -e $out ]] || [[ -z $(ls -A "$out") ]] || die "$out exists and is not empty"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Build from what git tracks, so stray files in the checkout (a key, a test site) never ship;
# a folder without git (an unpacked release) is copied as it is.
if git -C "$SOURCE_DIR" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$SOURCE_DIR" archive --format=tar HEAD | tar -C "$work" -xf -
    [[ -z $(git -C "$SOURCE_DIR" status --porcelain --untracked-files=no) ]] \
        || say "note: uncommitted changes are not in the release (it is built from HEAD)"
else
    tar -C "$SOURCE_DIR" --exclude=./.venv --exclude=./demo --exclude=./build \
        --exclude='*.egg-info' --exclude=__pycache__ -cf - . | tar -C "$work" -xf -
fi

mkdir -p "$out/wheels" "$out/docs"
say "fetching the dependency wheels pinned in deploy/requirements.lock"
"$PYTHON" -m pip download --quiet --disable-pip-version-check --require-hashes --no-deps \
    --only-binary :all: -r "$work/deploy/requirements.lock" -d "$out/wheels" "$@"
say "building the kiosk's wheel"
"$PYTHON" -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$out/wheels" "$work"
cp -R "$work/deploy" "$out/"
cp "$work/docs/deploy.md" "$out/docs/"
say "done: $out ($(find "$out/wheels" -name '*.whl' | wc -l) wheels). On the kiosk: sudo $out/deploy/install.sh"
