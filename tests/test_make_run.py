"""``make run`` on another port (``make run PORT=8766``): the demo's e-mails,
written by load_demo and the task worker, link to the port the server runs
on, unless SITE_URL says where the site is."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAKE = shutil.which("make") or "make"


def site_url_in_run(tmp_path, *arguments: str, **environment: str) -> list[str]:
    """SITE_URL as each step of ``make run`` sees it: a probe added to run's
    steps prints it (``make -n``: nothing is run, the commands are printed
    with make's variables, a target's own reaching its prerequisites)."""
    probe = tmp_path / "probe.mk"
    probe.write_text("run: probe\nprobe:\n\t@echo SITE_URL=$(SITE_URL)\n")
    env = {name: value for name, value in os.environ.items() if name != "SITE_URL"}
    done = subprocess.run(
        [MAKE, "-n", "-f", "Makefile", "-f", str(probe), "run", *arguments],
        cwd=ROOT,
        env={**env, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in done.stdout.splitlines() if "SITE_URL=" in line]


def test_make_run_on_another_port_links_the_demo_s_mails_to_it(tmp_path):
    assert site_url_in_run(tmp_path, "PORT=8766") == ["echo SITE_URL=http://127.0.0.1:8766"]
    assert site_url_in_run(tmp_path) == ["echo SITE_URL=http://127.0.0.1:8000"]


def test_make_run_keeps_a_site_url_it_is_given(tmp_path):
    told = site_url_in_run(tmp_path, "PORT=8766", SITE_URL="https://fund.example.org")
    assert told == ["echo SITE_URL=https://fund.example.org"]
