#!/usr/bin/env bash
# Install Trivselskiosk as a service: user "trivsel", code in /opt/trivselskiosk, data in
# /var/lib/trivselskiosk, the kiosk on tty8. Safe to run again (to upgrade or repair): it
# never touches an existing site's data. See docs/deploy.md.
set -euo pipefail

KIOSK_USER=trivsel
PREFIX=/opt/trivselskiosk
DATA_DIR=/var/lib/trivselskiosk
UNIT_DIR=/etc/systemd/system
POLKIT_DIR=/etc/polkit-1/rules.d
SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
    cat <<EOF
Usage: sudo deploy/install.sh [--public-key FILE|LINE] [--site NAME] [--cage]

  --public-key  the administrator's admin-key.pub (or its key line): makes the kiosk site
                in $DATA_DIR if there is none yet. Without it, run kiosk init later.
  --site NAME   the site's name in reports (default: Arbejdsplads)
  --cage        run the kiosk in the cage Wayland compositor with foot, instead of on the
                text console (needs the cage and foot packages)

Run it again after a git pull to upgrade; the site's data and settings are kept.
EOF
}

say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

public_key=""
site_name="Arbejdsplads"
unit="trivselskiosk.service"
while (($#)); do
    case "$1" in
        --public-key) public_key=${2:?--public-key needs a file or a key line}; shift 2 ;;
        --site) site_name=${2:?--site needs a name}; shift 2 ;;
        --cage) unit="trivselskiosk-cage.service"; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done

[[ $(id -u) -eq 0 ]] || die "run me as root (sudo deploy/install.sh ...)"
python3 -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
    || die "Python 3.11 or newer with venv is needed: apt-get install python3 python3-venv"

if [[ -n $public_key && -f $public_key ]]; then
    # Read the key line here, as root: the kiosk user may not be able to read the file.
    public_key=$(grep -v '^[[:space:]]*#' "$public_key" | grep -m1 '[^[:space:]]' || true)
    [[ -n $public_key ]] || die "no key line found in the public key file"
fi

if ! getent passwd "$KIOSK_USER" >/dev/null; then
    say "creating the system user $KIOSK_USER (no login shell)"
    useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home \
        --shell /usr/sbin/nologin --comment "Trivselskiosk" "$KIOSK_USER"
fi
install -d -o "$KIOSK_USER" -g "$KIOSK_USER" -m 0700 "$DATA_DIR"

say "copying the program to $PREFIX/src (owned by root: the kiosk cannot change its code)"
install -d -m 0755 "$PREFIX"
rm -rf "$PREFIX/src.new"
install -d -m 0755 "$PREFIX/src.new"
tar -C "$SOURCE_DIR" --exclude=./.git --exclude=./.venv --exclude=./demo \
    --exclude='*.egg-info' --exclude=__pycache__ -cf - . | tar -C "$PREFIX/src.new" -xf -
rm -rf "$PREFIX/src"
mv "$PREFIX/src.new" "$PREFIX/src"

if [[ ! -x $PREFIX/venv/bin/python ]]; then
    say "making the virtual environment $PREFIX/venv"
    python3 -m venv "$PREFIX/venv"
fi
say "installing the kiosk and its dependencies into $PREFIX/venv"
# Editable, because the kiosk reads its embedded config/ beside the code.
"$PREFIX/venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$PREFIX/src"
chmod -R go-w "$PREFIX"

if [[ -d $POLKIT_DIR ]]; then
    install -m 0644 "$SOURCE_DIR/deploy/50-trivselskiosk-udisks.rules" "$POLKIT_DIR/"
    say "polkit rule installed: $KIOSK_USER may mount and power off removable drives"
else
    say "polkit not found: install udisks2 and polkitd, then run me again for USB export"
fi

if [[ -n $public_key ]]; then
    if [[ -e $DATA_DIR/kiosk.toml ]]; then
        say "$DATA_DIR is already a kiosk site; its key and data are kept as they are"
    else
        runuser -u "$KIOSK_USER" -- "$PREFIX/venv/bin/kiosk" init --data-dir "$DATA_DIR" \
            --public-key "$public_key" --site "$site_name"
    fi
fi

if [[ -d /run/systemd/system ]]; then
    install -m 0644 "$SOURCE_DIR/deploy/$unit" "$UNIT_DIR/trivselskiosk.service"
    if command -v udiskie >/dev/null; then
        install -m 0644 "$SOURCE_DIR/deploy/trivselskiosk-automount.service" "$UNIT_DIR/"
        systemctl daemon-reload
        systemctl enable --now trivselskiosk-automount.service
    else
        systemctl daemon-reload
        say "udiskie not found: sticks will not be mounted by themselves (apt-get install udiskie)"
    fi
    # No login prompt on the kiosk's terminal, and no reboot from its keyboard.
    systemctl mask getty@tty8.service ctrl-alt-del.target
    systemctl enable trivselskiosk.service
    if systemctl is-active --quiet trivselskiosk.service; then
        systemctl restart trivselskiosk.service
        say "the kiosk was restarted with the new version"
    fi
else
    say "systemd is not running here: the service was not installed"
fi

cat <<EOF

Next steps:
  1. set the admin PIN:  runuser -u $KIOSK_USER -- $PREFIX/venv/bin/kiosk set-pin --data-dir $DATA_DIR
  2. check everything:   runuser -u $KIOSK_USER -- $PREFIX/venv/bin/kiosk doctor --data-dir $DATA_DIR
  3. start the kiosk:    systemctl start trivselskiosk.service
EOF
