"""Make the Simplified Chinese fonts the letters fall back on, from Noto Sans CJK.

The full font (every CJK face in one collection) is 19-20 MB a weight; a letter
needs only the characters a Chinese name or address is written in. So the
vendored files keep the Simplified Chinese face (SC) and, of it, the
characters of GB2312 (its 6,763 hanzi, punctuation, full-width forms, kana...)
plus the CJK Symbols and Punctuation and Half/Full-width Forms blocks: some
1.9 MB a weight instead of 20. A character outside them (a rare hanzi of a
personal name, a traditional form, hangul) prints as an empty box, the letter
is still made: docs/donors.md, "Scripts and fonts".

Reproduce the vendored files (Debian's fonts-noto-cjk 1:20220127+repack1-1,
Noto Sans CJK 2.004; fontTools as locked)::

    apt-get install fonts-noto-cjk
    .venv/bin/python -m fundmgr.fonts.subset_cjk

``--source DIR`` reads the collections from another directory.
"""

from __future__ import annotations

import argparse
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEBIAN = Path("/usr/share/fonts/opentype/noto")
#: Collection file in Debian's package -> file written here.
WEIGHTS = {
    "NotoSansCJK-Regular.ttc": "NotoSansCJKsc-Regular-GB2312.otf",
    "NotoSansCJK-Bold.ttc": "NotoSansCJKsc-Bold-GB2312.otf",
}
SC_FACE = "Noto Sans CJK SC"
#: Blocks kept whole besides GB2312: ideographic space, 、。〈〉《》「」【】〔〕 and
#: the rest of CJK punctuation; full-width ！（），：；？ and half-width forms.
BLOCKS = [(0x3000, 0x303F), (0xFF00, 0xFFEF)]


def gb2312_characters() -> set[str]:
    """Every character GB2312 encodes beyond ASCII (rows 1-87 of its 94x94 grid)."""
    found = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                found.add(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


def wanted_characters() -> set[str]:
    blocks = {chr(code) for low, high in BLOCKS for code in range(low, high + 1)}
    return gb2312_characters() | blocks


def subset(source: Path, target: Path) -> None:
    from fontTools import subset as ftsubset
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(source))
    face = next(f for f in collection.fonts if f["name"].getDebugName(4).startswith(SC_FACE))
    cmap = face.getBestCmap()
    options = ftsubset.Options()
    options.name_IDs = ["*"]  # keep the copyright, licence and trademark records (OFL)
    options.name_languages = ["*"]
    # What HarfBuzz applies to horizontal text. Not `locl` (the Japanese, Korean and
    # traditional forms: it would double the glyphs) nor the vertical features.
    options.layout_features = ["ccmp", "calt", "liga", "kern", "mark"]
    options.notdef_outline = True  # a missing character shows as a box, not nothing
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in wanted_characters() if ord(c) in cmap))
    subsetter.subset(face)
    face.recalcTimestamp = False  # the upstream's date: the same bytes on every run
    face.save(str(target))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=DEBIAN)
    args = parser.parse_args()
    for collection, name in WEIGHTS.items():
        subset(args.source / collection, HERE / name)
        print(f"{name}: {(HERE / name).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
