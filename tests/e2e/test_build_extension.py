"""`make extension`'s packer: a Web Store zip with the manifest at its root and every file the
manifest names, refusing to build when one is missing."""

from __future__ import annotations

import json
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from tests.e2e.conftest import EXTENSION, REPO

sys.path.insert(0, str(REPO / "scripts"))
import build_extension  # noqa: E402


def test_zip_holds_every_file_the_manifest_names(tmp_path: Path):
    output = build_extension.build(EXTENSION, tmp_path / "kindly.zip")
    with zipfile.ZipFile(output) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
    assert build_extension.referenced_files(manifest) <= names
    assert "content/adapters/gmail.js" in names and "options/options.js" in names
    assert not any(name.startswith(".") or "/." in name for name in names)


def test_zip_is_reproducible(tmp_path: Path):
    first = build_extension.build(EXTENSION, tmp_path / "a.zip").read_bytes()
    second = build_extension.build(EXTENSION, tmp_path / "b.zip").read_bytes()
    assert first == second


def test_missing_file_stops_the_build(tmp_path: Path):
    copy = tmp_path / "extension"
    shutil.copytree(EXTENSION, copy)
    (copy / "content" / "adapters" / "zendesk.js").unlink()
    with pytest.raises(SystemExit, match="zendesk.js"):
        build_extension.build(copy, tmp_path / "broken.zip")
