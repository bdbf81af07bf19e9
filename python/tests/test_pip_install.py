"""`pip install .` as the README says: a venv with Debian's site packages
(meson-python comes from there; there is no PyPI), no build isolation. The
installed package, imported from outside the source tree, records and
reads a store."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("patchelf") is None, reason="meson-python needs patchelf (tools/setup)")
def test_pip_install_builds_an_importable_package(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    built = subprocess.run([str(venv / "bin/pip"), "install", "--no-build-isolation", "--no-index", str(ROOT)],
                           env=env, capture_output=True, text=True, timeout=1200)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    code = textwrap.dedent("""
        import streamll, sys
        from streamll import emit_event
        from streamll.core.events import StreamllEvent, get_execution_id
        assert "site-packages" in streamll.__file__, streamll.__file__
        streamll.init(path="installed.db")
        emit_event(StreamllEvent(execution_id=get_execution_id(), event_type="pip.installed", data={"n": 1}))
        assert streamll.flush()
        rows = streamll.connect("installed.db").execute(
            "SELECT event_type, data->>'$.n' FROM events").fetchall()
        print(rows)
    """)
    ran = subprocess.run([str(venv / "bin/python"), "-c", code], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "[('pip.installed', 1)]"
