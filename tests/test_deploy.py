"""The deploy/ files: units systemd accepts, a polkit rule that allows only what it should, an
install script that parses, and the kiosk drawing cleanly on a Linux console of 80×25."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
UNITS = ["trivselskiosk.service", "trivselskiosk-cage.service", "trivselskiosk-automount.service"]
KIOSK = Path(sys.executable).parent / "kiosk"


def unit_settings(name: str) -> dict[str, list[str]]:
    """The unit's key=value lines (comments and sections dropped), every value of each key."""
    settings: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def exec_programs(text: str) -> set[str]:
    """The absolute program paths of a unit's Exec lines, without systemd's prefix marks."""
    return set(re.findall(r"(?m)^Exec\w*=[-+!@:]*(/\S+)", text))


@pytest.mark.parametrize("name", UNITS)
def test_systemd_accepts_the_unit(name: str, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    text = (DEPLOY / name).read_text()
    # verify wants every Exec program to exist: point the missing ones (the venv on the
    # kiosk, chvt, cage, udiskie) at stand-ins, and nothing else in the unit changes.
    stand_ins = tmp_path / "bin"
    stand_ins.mkdir()
    for program in exec_programs(text):
        if not os.access(program, os.X_OK):
            stand_in = stand_ins / program.strip("/").replace("/", "_")
            stand_in.write_text("#!/bin/sh\n")
            stand_in.chmod(0o755)
            text = text.replace(program, str(stand_in))
    (tmp_path / name).write_text(text)
    done = subprocess.run(
        [analyze, "verify", str(tmp_path / name)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_console_unit_runs_the_kiosk_on_tty8_as_trivsel_and_restarts() -> None:
    unit = unit_settings("trivselskiosk.service")
    expected = {
        "User": ["trivsel"],
        "TTYPath": ["/dev/tty8"],
        "TTYReset": ["yes"],
        "TTYVHangup": ["yes"],
        "Restart": ["always"],
        "RestartSec": ["2"],
        "NoNewPrivileges": ["yes"],
        "ProtectSystem": ["strict"],
        "PrivateTmp": ["yes"],
        "ProtectHome": ["yes"],
        "Conflicts": ["getty@tty8.service"],
        "ExecStartPre": ["+/usr/bin/chvt 8"],
        # The screen, with everything typed, must stay on tty8 and never reach the journal.
        "StandardOutput": ["tty"],
        "StandardError": ["inherit"],
    }
    assert {key: unit.get(key) for key in expected} == expected
    assert unit["StandardInput"][0].startswith("tty")
    assert unit["ExecStart"] == [
        "/opt/trivselskiosk/venv/bin/kiosk run --data-dir /var/lib/trivselskiosk"
    ]
    assert "/var/lib/trivselskiosk" in unit["ReadWritePaths"]
    # udisks2 mounts sticks under these; without them the export could not write.
    assert "-/media/trivsel -/run/media/trivsel" in unit["ReadWritePaths"]
    assert "AF_UNIX" in unit["RestrictAddressFamilies"][0]


def test_no_unit_offers_a_shell() -> None:
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        assert not re.search(r"\b(ba|da|z)?sh\b|getty|login -", " ".join(exec_programs(text)))


POLKIT_HARNESS = r"""
const fs = require("fs");
const rules = [];
const polkit = { Result: { YES: "yes", NO: "no", NOT_HANDLED: null },
                 addRule: (rule) => rules.push(rule) };
eval(fs.readFileSync(process.argv[2], "utf8"));
const cases = JSON.parse(process.argv[3]);
const answers = cases.map(([user, id, removable]) => {
  const action = { id, lookup: (key) => key === "drive.removable" ? removable : undefined };
  for (const rule of rules) {
    const result = rule(action, { user });
    if (result !== null && result !== undefined) return result;
  }
  return null;
});
console.log(JSON.stringify(answers));
"""


def test_polkit_rule_allows_only_trivsel_and_only_removable_drives(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed here, so the polkit rule's JavaScript cannot run")
    udisks = "org.freedesktop.udisks2."
    cases = [
        ("trivsel", udisks + "filesystem-mount", "true", "yes"),
        ("trivsel", udisks + "filesystem-mount-other-seat", "true", "yes"),
        ("trivsel", udisks + "power-off-drive-other-seat", "true", "yes"),
        ("trivsel", udisks + "filesystem-mount", "false", None),
        ("trivsel", udisks + "filesystem-mount-system", "false", None),
        ("trivsel", udisks + "filesystem-mount-system", "true", None),
        ("trivsel", udisks + "modify-device", "true", None),
        ("trivsel", "org.freedesktop.login1.reboot", "true", None),
        ("alice", udisks + "filesystem-mount", "true", None),
        ("root", udisks + "power-off-drive", "true", None),
    ]
    harness = tmp_path / "harness.js"
    harness.write_text(POLKIT_HARNESS)
    done = subprocess.run(
        [
            node,
            str(harness),
            str(DEPLOY / "50-trivselskiosk-udisks.rules"),
            json.dumps([case[:3] for case in cases]),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert json.loads(done.stdout) == [case[3] for case in cases]


def test_install_script_is_strict_executable_and_parses() -> None:
    script = DEPLOY / "install.sh"
    assert script.stat().st_mode & stat.S_IXUSR
    assert "set -euo pipefail" in script.read_text()
    subprocess.run(["bash", "-n", str(script)], check=True)
    usage = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True)
    assert "--public-key" in usage.stdout
    wrong = subprocess.run([str(script), "--bogus"], capture_output=True, text=True)
    assert wrong.returncode != 0 and "unknown option: --bogus" in wrong.stderr


def test_install_script_names_only_files_that_exist() -> None:
    text = (DEPLOY / "install.sh").read_text()
    for name in re.findall(r"deploy/([\w.-]+)", text):
        if name != "install.sh" and "$" not in name:
            assert (DEPLOY / name).is_file(), name
    assert all((DEPLOY / name).is_file() for name in UNITS)


def test_install_script_is_shellcheck_clean() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed here")
    done = subprocess.run([shellcheck, str(DEPLOY / "install.sh")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


# --- the real kiosk on a Linux console size, in tmux ------------------------------------------


class Tmux:
    """A private tmux server with one window running a command at a fixed size."""

    def __init__(self, columns: int, rows: int) -> None:
        self.socket = f"kiosk-deploy-{uuid.uuid4().hex[:8]}"
        self.columns, self.rows = columns, rows

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=20
        )
        return done.stdout

    def start(self, command: list[str], env: dict[str, str]) -> None:
        exports = [f"{key}={value}" for key, value in env.items()]
        self.run(
            "new-session", "-d", "-x", str(self.columns), "-y", str(self.rows),
            "env", *exports, *command,
        )  # fmt: skip

    def screen(self) -> str:
        return self.run("capture-pane", "-p")

    def wait_for(self, text: str, seconds: float = 20.0) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if text in (shown := self.screen()):
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} did not appear; the screen shows:\n{self.screen()}")

    def settled(self, quiet: float = 0.5, seconds: float = 20.0) -> str:
        """The screen once it has stopped changing for `quiet` seconds."""
        deadline = time.monotonic() + seconds
        shown = self.screen()
        while time.monotonic() < deadline:
            time.sleep(quiet)
            latest = self.screen()
            if latest == shown:
                return shown
            shown = latest
        raise AssertionError(f"the screen kept changing for {seconds} s:\n{shown}")

    def close(self) -> None:
        self.run("kill-server")


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed here")
    session = Tmux(80, 25)
    yield session
    session.close()


def test_the_kiosk_draws_cleanly_on_a_linux_console_of_80_by_25(tmux: Tmux, site_dir: Path) -> None:
    log = site_dir / "kiosk.log"
    tmux.start(
        [str(KIOSK), "run", "--data-dir", str(site_dir)],
        {"TERM": "linux", "HOME": os.environ["HOME"], "PATH": os.environ["PATH"]},
    )
    shown = tmux.wait_for("Hvordan har du det på arbejdet?")
    lines = shown.splitlines()
    assert len(lines) <= 25 and all(len(line) <= 80 for line in lines)
    assert "Traceback" not in shown and "Error" not in shown
    assert re.search(r"INFO start pid=\d+", log.read_text())
    assert "ERROR" not in log.read_text()


def test_the_keys_that_would_leave_a_terminal_app_do_nothing(tmux: Tmux, site_dir: Path) -> None:
    tmux.start(
        [str(KIOSK), "run", "--data-dir", str(site_dir)],
        {"TERM": "linux", "HOME": os.environ["HOME"], "PATH": os.environ["PATH"]},
    )
    tmux.wait_for("Hvordan har du det på arbejdet?")
    before = tmux.settled()
    for key in ["C-c", "C-q", "C-z", "C-\\", "C-d", "C-p"]:
        tmux.run("send-keys", key)
    time.sleep(1.5)
    assert tmux.run("display-message", "-p", "#{pane_dead}").strip() == "0"
    assert tmux.screen() == before
