"""`kiosk demo`: a clearly labelled demo key pair and site, made on first use, then the kiosk."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.cli.run import run_ui
from kiosk.keyfiles import write_keypair
from kiosk.site import init_site, read_key_line
from kiosk.store import RecordStore

DEMO_PASSPHRASE = "demo-only-passphrase"
DEMO_PIN = "12345678"


def ensure_demo(root: Path) -> Path:
    """Make the demo site on first use: a demo key pair and a kiosk site, clearly labelled."""
    admin_dir = root / "admin"
    kiosk_dir = root / "kiosk"
    if not (admin_dir / "admin-key.pub").exists():
        admin_dir.mkdir(parents=True, exist_ok=True)
        _, _, fingerprint = write_keypair(admin_dir, DEMO_PASSPHRASE.encode())
        (admin_dir / "DEMO-README.txt").write_text(
            "DEMO KEY PAIR - for trying Trivselskiosk only. Never use it for real answers.\n"
            f"Passphrase of admin-key.pem: {DEMO_PASSPHRASE}\n"
            f"Fingerprint: {fingerprint}\n"
            f"Admin mode on the demo kiosk: press F9, PIN {DEMO_PIN}\n",
            encoding="utf-8",
        )
        print(f"Made a DEMO administrator key pair in {admin_dir} (passphrase: {DEMO_PASSPHRASE})")
    if not (kiosk_dir / "kiosk.toml").exists():
        key_line = read_key_line(str(admin_dir / "admin-key.pub"))
        init_site(kiosk_dir, key_line, "Demo-arbejdsplads", demo=True)
        from kiosk.pin import PinGuard

        with RecordStore.open(kiosk_dir) as store:
            PinGuard(store).set_pin(DEMO_PIN)
        print(f"Made the DEMO kiosk site in {kiosk_dir} (admin mode: F9, PIN {DEMO_PIN})")
    return kiosk_dir


def cmd_demo(args: argparse.Namespace) -> int:
    """kiosk demo: run the kiosk on the demo site, making it first if needed."""
    return run_ui(ensure_demo(args.dir))
