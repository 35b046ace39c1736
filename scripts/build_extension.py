"""Packs extension/ into dist/kindly-extension.zip, ready to upload to the Chrome Web Store.

Checks first that every file the manifest names exists, so a broken package never ships.
The zip is reproducible: sorted entries and a fixed timestamp.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXTENSION = REPO / "extension"
OUTPUT = REPO / "dist" / "kindly-extension.zip"
FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def referenced_files(manifest: dict) -> set[str]:
    """Every path the manifest points at, relative to the extension folder."""
    files = {manifest["background"]["service_worker"]}
    files |= set(manifest.get("icons", {}).values())
    files |= set(manifest.get("action", {}).get("default_icon", {}).values())
    for key in ("default_popup",):
        if key in manifest.get("action", {}):
            files.add(manifest["action"][key])
    if "options_ui" in manifest:
        files.add(manifest["options_ui"]["page"])
    for script in manifest.get("content_scripts", []):
        files |= set(script.get("js", [])) | set(script.get("css", []))
    return files


def package_files(root: Path) -> list[Path]:
    """The files that ship: everything but dotfiles, editor backups and docs for developers."""
    keep = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_dir() or any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix in {".md", ".map"} or path.name.endswith("~"):
            continue
        keep.append(path)
    return keep


def build(root: Path = EXTENSION, output: Path = OUTPUT) -> Path:
    manifest = json.loads((root / "manifest.json").read_text())
    if manifest.get("manifest_version") != 3:
        raise SystemExit("manifest.json must be Manifest V3")
    missing = sorted(f for f in referenced_files(manifest) if not (root / f).is_file())
    if missing:
        raise SystemExit(f"manifest.json names files that do not exist: {', '.join(missing)}")
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in package_files(root):
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return output


def main() -> int:
    output = build()
    with zipfile.ZipFile(output) as archive:
        count = len(archive.namelist())
    version = json.loads((EXTENSION / "manifest.json").read_text())["version"]
    print(f"Built {output.relative_to(REPO)} (version {version}, {count} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
