"""A worker's scratch folder: its own, on its own disk, never served."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from fundmgr.private_files import scratch_folder


def test_the_scratch_folder_is_the_setting_created_for_the_service_user_only(settings, tmp_path):
    settings.FUNDMGR_SCRATCH_DIR = tmp_path / "scratch" / "worker-1"
    folder = scratch_folder()
    assert folder == (tmp_path / "scratch" / "worker-1").resolve() and folder.is_dir()
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0


def test_without_the_setting_the_scratch_folder_is_in_the_systems_temporary_folder(settings):
    settings.FUNDMGR_SCRATCH_DIR = None
    folder = scratch_folder()
    assert folder.is_dir() and folder.name.startswith("fundmgr-scratch-")


@pytest.mark.parametrize("served", ["STATIC_ROOT", "MEDIA_ROOT"])
def test_a_scratch_folder_inside_a_served_folder_is_refused(settings, served):
    settings.FUNDMGR_SCRATCH_DIR = Path(getattr(settings, served)) / "scratch"
    with pytest.raises(ImproperlyConfigured, match=served):
        scratch_folder()


def test_a_default_scratch_folder_another_user_could_read_is_refused(
    settings, monkeypatch, tmp_path
):
    settings.FUNDMGR_SCRATCH_DIR = None
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path))
    shared = tmp_path / f"fundmgr-scratch-{os.getuid()}"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    with pytest.raises(ImproperlyConfigured, match="FUNDMGR_SCRATCH_DIR"):
        scratch_folder()
