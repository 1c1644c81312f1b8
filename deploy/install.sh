#!/usr/bin/env bash
# Install Trivselskiosk as a service: user "trivsel", the program in /opt/trivselskiosk (owned by
# root), data in /var/lib/trivselskiosk, the kiosk on tty8, and the machine's escape keys shut.
# Safe to run again: each run installs a new release beside the old one, smoke-tests it, and
# only then switches and restarts; an existing site's data is never touched. See docs/deploy.md.
set -euo pipefail

KIOSK_USER=trivsel
PREFIX=/opt/trivselskiosk
DATA_DIR=/var/lib/trivselskiosk
UNIT_DIR=/etc/systemd/system
POLKIT_DIR=/etc/polkit-1/rules.d
PYTHON=/usr/bin/python3
SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEPLOY_DIR=$SOURCE_DIR/deploy

usage() {
    cat <<EOF
Usage: sudo deploy/install.sh [--public-key FILE|LINE] [--site NAME] [--cage] [--keep-logins]

  --public-key   the administrator's admin-key.pub (or its key line): makes the kiosk site
                 in $DATA_DIR if there is none yet. Without it, run kiosk init later.
  --site NAME    the site's name in reports (default: Arbejdsplads)
  --cage         run the kiosk in the cage Wayland compositor with foot, instead of on the
                 text console (needs the cage and foot packages)
  --keep-logins  keep the login prompts on tty1-6 (by default they are removed: maintain
                 the kiosk over ssh)

Run from a release folder made by deploy/make-wheelhouse.sh (it has wheels/), it installs
offline. Run from a git checkout, it first builds such a folder, which needs the network.
EOF
}

say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

public_key=""
site_name="Arbejdsplads"
unit="trivselskiosk.service"
keep_logins=no
while (($#)); do
    case "$1" in
        --public-key) public_key=${2:?--public-key needs a file or a key line}; shift 2 ;;
        --site) site_name=${2:?--site needs a name}; shift 2 ;;
        --cage) unit="trivselskiosk-cage.service"; shift ;;
        --keep-logins) keep_logins=yes; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done

[[ $(id -u) -eq 0 ]] || die "run me as root (sudo deploy/install.sh ...)"
# The system's Python, never one first in PATH (a pyenv shim makes a venv the kiosk can't run).
"$PYTHON" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
    || die "Python 3.11 or newer with venv is needed at $PYTHON: apt-get install python3 python3-venv"
systemd=no
[[ -d /run/systemd/system ]] && systemd=yes
if [[ $systemd == yes ]]; then
    [[ -x /usr/bin/chvt ]] || die "/usr/bin/chvt is missing: apt-get install kbd"
    if [[ $unit == trivselskiosk-cage.service ]]; then
        [[ -x /usr/bin/cage && -x /usr/bin/foot ]] || die "--cage needs: apt-get install cage foot"
    else
        command -v loadkeys >/dev/null || die "loadkeys is missing: apt-get install kbd"
    fi
fi

if [[ -n $public_key && -f $public_key ]]; then
    # Read the key line here, as root: the kiosk user may not be able to read the file.
    public_key=$(grep -v '^[[:space:]]*#' "$public_key" | grep -m1 '[^[:space:]]' || true)
    [[ -n $public_key ]] || die "no key line found in the public key file"
fi

# --- the kiosk user and its data folder ---------------------------------------------------
if ! getent passwd "$KIOSK_USER" >/dev/null; then
    say "creating the system user $KIOSK_USER (no login shell)"
    useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home \
        --shell /usr/sbin/nologin --comment "Trivselskiosk" "$KIOSK_USER"
fi
usermod --shell /usr/sbin/nologin "$KIOSK_USER"
extra_groups=$(id -Gn "$KIOSK_USER" | tr ' ' '\n' | grep -vx "$KIOSK_USER" || true)
[[ -z $extra_groups ]] \
    || die "$KIOSK_USER is in other groups ($(echo "$extra_groups" | xargs)): remove it (gpasswd -d $KIOSK_USER GROUP)"
install -d -o "$KIOSK_USER" -g "$KIOSK_USER" -m 0700 "$DATA_DIR"

# --- a release folder: wheels pinned and hashed, built elsewhere or here ----------------------
umask 022
release_src=$SOURCE_DIR
if [[ ! -d $SOURCE_DIR/wheels ]]; then
    say "no wheels/ here: building a release folder from this checkout (needs the network)"
    build=$(mktemp -d)
    trap 'rm -rf "$build"' EXIT
    # Built as the checkout's owner: its build scripts are that person's code, not root's.
    owner=$(stat -c %u "$SOURCE_DIR")
    chown "$owner" "$build"
    setpriv --reuid="$owner" --regid="$(stat -c %g "$SOURCE_DIR")" --clear-groups \
        env HOME="$build" PYTHON="$PYTHON" "$DEPLOY_DIR/make-wheelhouse.sh" "$build/release"
    release_src=$build/release
fi
lock=$release_src/deploy/requirements.lock
shopt -s nullglob
kiosk_wheels=("$release_src"/wheels/trivselskiosk-*.whl)
shopt -u nullglob
[[ -f $lock ]] || die "$lock is missing"
((${#kiosk_wheels[@]} == 1)) || die "expected one trivselskiosk wheel in $release_src/wheels"
version=$(basename "${kiosk_wheels[0]}" | cut -d- -f2)
release_id="$version-$(date -u +%Y%m%dT%H%M%SZ)"
while [[ -e $PREFIX/releases/$release_id ]]; do  # run twice within a second
    sleep 1
    release_id="$version-$(date -u +%Y%m%dT%H%M%SZ)"
done
release=$PREFIX/releases/$release_id

say "installing release $release_id into $release (offline, hashes checked)"
install -d -m 0755 "$PREFIX" "$PREFIX/releases" "$release"
"$PYTHON" -m venv "$release/venv"
pip=("$release/venv/bin/python" -m pip --disable-pip-version-check --no-cache-dir --quiet
    --isolated install --no-index --find-links "$release_src/wheels")
"${pip[@]}" --require-hashes --only-binary :all: -r "$lock" \
    || { rm -rf "$release"; die "the dependencies did not install; the running version is unchanged"; }
"${pip[@]}" --no-deps "${kiosk_wheels[0]}" \
    || { rm -rf "$release"; die "the kiosk did not install; the running version is unchanged"; }
cp -R "$release_src/deploy" "$release/deploy"
install -d -m 0755 "$release/docs"
cp "$release_src/docs/deploy.md" "$release/docs/"
# Whoever owned the checkout or the stick, what the kiosk runs is root's alone.
chown -R root:root "$release"
chmod -R go-w "$release"

say "smoke test: the new release runs as $KIOSK_USER"
as_kiosk=(runuser -u "$KIOSK_USER" --)
if ! "${as_kiosk[@]}" "$release/venv/bin/python" -c 'import kiosk.cli, screens.app' \
    || { [[ -e $DATA_DIR/kiosk.toml ]] \
        && ! "${as_kiosk[@]}" "$release/venv/bin/kiosk" check-config --data-dir "$DATA_DIR"; }; then
    rm -rf "$release"
    die "the new release failed its smoke test and was removed; the running version is unchanged"
fi

if [[ -n $public_key ]]; then
    if [[ -e $DATA_DIR/kiosk.toml ]]; then
        say "$DATA_DIR is already a kiosk site; its key and data are kept as they are"
    else
        "${as_kiosk[@]}" "$release/venv/bin/kiosk" init --data-dir "$DATA_DIR" --public-key "$public_key" --site "$site_name"
    fi
fi

# --- the machine: polkit, mount options, escape keys ----------------------------------------
if [[ -d $POLKIT_DIR ]]; then
    install -m 0644 "$DEPLOY_DIR/50-trivselskiosk-udisks.rules" "$POLKIT_DIR/"
    say "polkit rule installed: $KIOSK_USER may mount vfat/exFAT USB sticks and eject them, nothing else"
else
    say "polkit not found: install udisks2 and polkitd, then run me again for USB export"
fi
install -D -m 0644 "$DEPLOY_DIR/udisks2-mount_options.conf" /etc/udisks2/mount_options.conf
install -D -m 0644 "$DEPLOY_DIR/90-trivselskiosk-sysctl.conf" /etc/sysctl.d/90-trivselskiosk.conf
install -D -m 0644 "$DEPLOY_DIR/90-trivselskiosk-system.conf" \
    /etc/systemd/system.conf.d/90-trivselskiosk.conf
install -D -m 0644 "$DEPLOY_DIR/90-trivselskiosk-logind.conf" \
    /etc/systemd/logind.conf.d/90-trivselskiosk.conf
if [[ $keep_logins == no ]]; then
    install -D -m 0644 "$DEPLOY_DIR/91-trivselskiosk-no-logins.conf" \
        /etc/systemd/logind.conf.d/91-trivselskiosk-no-logins.conf
else
    rm -f /etc/systemd/logind.conf.d/91-trivselskiosk-no-logins.conf
fi

# --- switch: stop the old kiosk, point current at the new release, start it ------------------
was_active=no
if [[ $systemd == yes ]] && systemctl is-active --quiet trivselskiosk.service; then
    was_active=yes
    systemctl stop trivselskiosk.service
fi
previous=$(readlink "$PREFIX/current" || true)
ln -sfn "releases/$release_id" "$PREFIX/current.new"
mv -T "$PREFIX/current.new" "$PREFIX/current"
if [[ ! -L $PREFIX/venv ]]; then
    # An install from before releases: its editable venv and source copy go.
    rm -rf "$PREFIX/venv" "$PREFIX/src" "$PREFIX/src.new"
    ln -s current/venv "$PREFIX/venv"
fi
# Keep the new release and the one before it (to roll back: point current at it, restart).
for old in "$PREFIX"/releases/*; do
    case "releases/$(basename "$old")" in
        "releases/$release_id" | "$previous") ;;
        *) rm -rf "$old" ;;
    esac
done

if [[ $systemd == yes ]]; then
    install -m 0644 "$DEPLOY_DIR/$unit" "$UNIT_DIR/trivselskiosk.service"
    if [[ $unit == trivselskiosk.service ]]; then
        install -m 0644 "$DEPLOY_DIR/trivselskiosk-console-keys.service" "$UNIT_DIR/"
    elif [[ -f $UNIT_DIR/trivselskiosk-console-keys.service ]]; then
        systemctl disable trivselskiosk-console-keys.service
        rm -f "$UNIT_DIR/trivselskiosk-console-keys.service"
    fi
    if command -v udiskie >/dev/null; then
        install -m 0644 "$DEPLOY_DIR/trivselskiosk-automount.service" "$UNIT_DIR/"
    else
        say "udiskie not found: sticks will not be mounted by themselves (apt-get install udiskie)"
    fi
    # CtrlAltDelBurstAction and the other manager settings apply on re-execution.
    systemctl daemon-reexec
    sysctl --quiet --load=/etc/sysctl.d/90-trivselskiosk.conf
    systemctl reload systemd-logind.service 2>/dev/null \
        || say "reboot once so logind ignores the power, sleep and reboot keys"
    [[ -f $UNIT_DIR/trivselskiosk-automount.service ]] \
        && systemctl enable --now trivselskiosk-automount.service
    [[ $unit == trivselskiosk.service ]] && systemctl enable trivselskiosk-console-keys.service
    # No login prompt on the kiosk's terminal, and no reboot from its keyboard.
    systemctl mask getty@tty8.service ctrl-alt-del.target
    if [[ $keep_logins == no ]]; then
        systemctl mask getty@tty1.service
    else
        systemctl unmask getty@tty1.service
    fi
    systemctl enable trivselskiosk.service
    if [[ $was_active == yes ]]; then
        systemctl start trivselskiosk.service
        say "the kiosk was restarted on release $release_id"
    fi
else
    say "systemd is not running here: the units and settings take effect on a booted system"
fi

# Nothing the kiosk runs may belong to anyone but root (kiosk doctor checks it too).
foreign=$(find "$PREFIX" ! -user root -print -quit)
[[ -z $foreign ]] || die "$foreign is not owned by root: chown -R root:root $PREFIX"

cat <<EOF

Installed release $release_id. Next steps:
  1. set the admin PIN:  runuser -u $KIOSK_USER -- $PREFIX/venv/bin/kiosk set-pin --data-dir $DATA_DIR
  2. check everything:   runuser -u $KIOSK_USER -- $PREFIX/venv/bin/kiosk doctor --data-dir $DATA_DIR
  3. start the kiosk:    systemctl start trivselskiosk.service
EOF
