"""Copy the built NHS.UK frontend and axe-core from npm packages into the repository (``make assets``).

Usage: python tools/vendor_assets.py NHSUK_PACKAGE_DIR AXE_PACKAGE_DIR

The NHS.UK stylesheet refers to its images at the site root (``/assets/images``) and to the Frutiger web font on
assets.nhs.uk. We serve the images beside the stylesheet, so those URLs become relative; the font is licensed for
NHS websites only and is not reachable offline, so its ``@font-face`` rules are dropped and the stylesheet's own
fallback (Arial) is used.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NHSUK_TARGET = ROOT / "src" / "peolc" / "static" / "nhsuk"
AXE_TARGET = ROOT / "tests" / "system" / "vendor"
FONT_FACE = re.compile(r"@font-face\{[^}]*assets\.nhs\.uk[^}]*\}")


def vendor_nhsuk(package: Path) -> str:
    dist = package / "dist" / "nhsuk"
    version = json.loads((package / "package.json").read_text())["version"]
    if NHSUK_TARGET.exists():
        shutil.rmtree(NHSUK_TARGET)
    (NHSUK_TARGET / "assets").mkdir(parents=True)
    shutil.copytree(dist / "assets" / "images", NHSUK_TARGET / "assets" / "images")
    shutil.copy(dist / "assets" / "manifest.json", NHSUK_TARGET / "assets" / "manifest.json")
    for name in ("nhsuk-frontend.min.js", "nhsuk-frontend.min.js.map", "nhsuk-frontend.min.css.map"):
        shutil.copy(dist / name, NHSUK_TARGET / name)
    css = (dist / "nhsuk-frontend.min.css").read_text()
    css = FONT_FACE.sub("", css).replace("url(/assets/", "url(assets/")
    (NHSUK_TARGET / "nhsuk-frontend.min.css").write_text(css)
    (NHSUK_TARGET / "VERSION").write_text(f"nhsuk-frontend {version} (npm), MIT licence\n")
    return version


def vendor_axe(package: Path) -> str:
    version = json.loads((package / "package.json").read_text())["version"]
    AXE_TARGET.mkdir(parents=True, exist_ok=True)
    shutil.copy(package / "axe.min.js", AXE_TARGET / "axe.min.js")
    (AXE_TARGET / "VERSION").write_text(f"axe-core {version} (npm), MPL-2.0 licence\n")
    return version


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print("nhsuk-frontend", vendor_nhsuk(Path(sys.argv[1])))
    print("axe-core", vendor_axe(Path(sys.argv[2])))
