"""Reading a PDF's text back without a PDF library, as a viewer does: through
each font's ToUnicode map, since the letters write glyph numbers of embedded
font subsets and the raw bytes never hold the text. fpdf2 draws every line's
glyphs left to right as they stand on the page (visual order); ``pdf_text``
reads right-to-left runs back from right to left."""

from __future__ import annotations

import re
import unicodedata
import zlib

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)\s*endobj", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Object number -> (dictionary, decoded stream or None)."""
    found = {}
    for match in _OBJECT.finditer(data):
        number, body = int(match.group(1)), match.group(2)
        head, _sep, rest = body.partition(b"stream")
        stream = None
        if _sep:
            length = int(re.search(rb"/Length (\d+)", head).group(1))
            stream = rest.lstrip(b"\r\n")[:length]
            if b"/FlateDecode" in head:
                stream = zlib.decompress(stream)
        found[number] = (head, stream)
    return found


def _cmap(stream: bytes) -> dict[int, str]:
    table = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            table[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
        for low, high, start in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            for offset in range(int(high, 16) - int(low, 16) + 1):
                table[int(low, 16) + offset] = chr(int(start, 16) + offset)
    return table


def _literal(content: bytes, at: int) -> tuple[bytes, int]:
    """The PDF literal string opening at ``content[at] == b"("``, unescaped."""
    out, depth, i = bytearray(), 1, at + 1
    while True:
        char = content[i : i + 1]
        if char == b"\\":
            following = content[i + 1 : i + 2]
            if following in _ESCAPES:
                out += _ESCAPES[following]
                i += 2
            elif following.isdigit():
                digits = re.match(rb"[0-7]{1,3}", content[i + 1 : i + 4]).group(0)
                out.append(int(digits, 8))
                i += 1 + len(digits)
            else:
                out += following
                i += 2
            continue
        if char == b"(":
            depth += 1
        elif char == b")":
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out += char
        i += 1


def _fonts(objects) -> dict[bytes, dict[int, str]]:
    """Resource name (F1...) -> the font's ToUnicode map."""
    to_unicode = {}
    for number, (head, _stream) in objects.items():
        ref = re.search(rb"/ToUnicode (\d+) 0 R", head)
        if ref:
            to_unicode[number] = _cmap(objects[int(ref.group(1))][1])
    fonts = {}
    for head, _stream in objects.values():
        for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", head):
            if int(number) in to_unicode:
                fonts[name] = to_unicode[int(number)]
    return fonts


def _text_objects(data: bytes) -> list[tuple[float | None, list[str]]]:
    """Each text object (BT ... ET): where it starts (the x of its opening ``x y
    Td``, in points from the left edge) and the text of its glyphs in the order
    they are drawn: left to right, as fpdf2 places them on the line."""
    objects = _objects(data)
    fonts = _fonts(objects)
    found = []
    for head, stream in objects.values():
        if stream is None or b"BT" not in stream or b"/Type /XObject" in head:
            continue
        cmap, line, start, i = {}, [], None, 0
        while i < len(stream):
            if stream.startswith(b"BT", i):
                opening = re.match(rb"BT\s+(-?[\d.]+) -?[\d.]+ Td", stream[i : i + 40])
                start = float(opening.group(1)) if opening else None
            if stream.startswith(b"ET", i):
                found.append((start, line))
                line = []
            font = re.match(rb"/(F\d+) ", stream[i : i + 12])
            if font and stream[i - 1 : i] in (b" ", b"\n", b"T"):
                cmap = fonts.get(font.group(1), cmap)
            if stream[i : i + 1] == b"(":
                raw, i = _literal(stream, i)
                line.extend(
                    cmap.get(int.from_bytes(raw[k : k + 2], "big"), "?")
                    for k in range(0, len(raw), 2)
                )
                continue
            i += 1
    return found


def pdf_glyphs(data: bytes) -> list[list[str]]:
    """Each text object's glyphs' text, in the order drawn (left to right)."""
    return [line for _start, line in _text_objects(data)]


def _is_rtl(glyph: str) -> bool:
    return bool(glyph) and unicodedata.bidirectional(glyph[0]) in ("R", "AL")


def in_reading_order(glyphs: list[str]) -> str:
    """A line's text as a viewer copies it: each right-to-left run (glyphs of
    Arabic or Hebrew letters and the spaces between them) read from right to
    left, glyph by glyph, so a ligature keeps its own letters' order. Enough
    for names; digits inside an Arabic run are not handled."""
    out, run = [], []
    for glyph in [*glyphs, ""]:
        if _is_rtl(glyph) or (run and glyph.isspace()):
            run.append(glyph)
            continue
        trailing = []
        while run and run[-1].isspace():
            trailing.insert(0, run.pop())
        out.extend(reversed(run))
        out.extend(trailing)
        run = []
        out.append(glyph)
    return "".join(out)


def pdf_text(data: bytes) -> str:
    """The text of every page, one line per text object (BT ... ET), in
    reading order."""
    return "\n".join(in_reading_order(line) for line in pdf_glyphs(data))


def pdf_visual_text(data: bytes) -> str:
    """The same lines as drawn, left to right (right-to-left runs reversed)."""
    return "\n".join("".join(line) for line in pdf_glyphs(data))


def pdf_embedded_fonts(data: bytes) -> dict[str, str]:
    """Each font's name in the PDF -> the key of its embedded file (FontFile2 for
    TrueType outlines, FontFile3 for CFF), or "" if it is not embedded."""
    found = {}
    for head, _stream in _objects(data).values():
        if b"/Type /FontDescriptor" in head:
            name = re.search(rb"/FontName /(\S+)", head).group(1).decode()
            file = re.search(rb"/(FontFile\d?) \d+ 0 R", head)
            found[name] = file.group(1).decode() if file else ""
    return found


def pdf_font_maps(data: bytes) -> dict[str, dict[int, str]]:
    """Each font's name in the PDF -> its ToUnicode map (glyph code -> text)."""
    objects = _objects(data)
    found = {}
    for head, _stream in objects.values():
        ref = re.search(rb"/ToUnicode (\d+) 0 R", head)
        name = re.search(rb"/BaseFont /(\S+)", head)
        if ref and name:
            found[name.group(1).decode()] = _cmap(objects[int(ref.group(1))][1])
    return found


def pdf_line_starts(data: bytes) -> dict[str, float]:
    """Each line's text (reading order) -> the x where its first glyph is drawn,
    in points from the page's left edge (the first line of that text)."""
    starts: dict[str, float] = {}
    for start, line in _text_objects(data):
        if start is not None:
            starts.setdefault(in_reading_order(line), start)
    return starts
