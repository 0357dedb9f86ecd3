"""Recognise media from its first bytes and its file name (stdlib only)."""

from __future__ import annotations

import codecs

DOCUMENT_MIME_TYPES = {
    "application/pdf",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.ms-powerpoint",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel",
    "application/vnd.oasis.opendocument.spreadsheet",
}
_EXTRA_EXTENSIONS = {
    ".webp": "image/webp",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".mp3": "audio/mp3",
    ".m4a": "audio/m4a",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".opus": "audio/opus",
    ".aac": "audio/aac",
    ".wav": "audio/wav",
    ".webm": "video/webm",
    ".mov": "video/mov",
    ".md": "text/markdown",
    ".csv": "text/csv",
}
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heif",
    "image/bmp": "bmp",
    "image/tiff": "tiff",
    "audio/wav": "wav",
    "audio/mp3": "mp3",
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
    "audio/flac": "flac",
    "audio/aac": "aac",
    "audio/m4a": "m4a",
    "audio/aiff": "aiff",
    "audio/opus": "opus",
    "audio/webm": "webm",
    "audio/l16": "pcm",
    "audio/ogg_opus": "ogg",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "video/mov": "mov",
    "video/mpeg": "mpeg",
    "video/avi": "avi",
    "application/pdf": "pdf",
    "text/csv": "csv",
    "text/plain": "txt",
}


def sniff(data: bytes) -> str | None:
    """The MIME type that the magic bytes show, or None."""
    head = data[:64]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "video/avi"
    if head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC"):
        return "audio/aiff"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mp3"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"BM") and len(data) > 14:
        return "image/bmp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head[4:8] == b"ftyp":
        return _ftyp(head[8:12])
    return None


def _ftyp(brand: bytes) -> str:
    if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis"):
        return "image/heic"
    if brand in (b"mif1", b"msf1"):
        return "image/heif"
    if brand.startswith(b"M4A"):
        return "audio/m4a"
    if brand == b"qt  ":
        return "video/mov"
    return "video/mp4"


def from_name(name: str) -> str | None:
    lower = name.lower()
    for ext, mime in _EXTRA_EXTENSIONS.items():
        if lower.endswith(ext):
            return mime
    import mimetypes  # here: only a file (not a prompt) is typed by its name

    guessed, _ = mimetypes.guess_type(name)
    return guessed


def block_type(mime: str) -> str | None:
    """The content block type for a MIME type: image, audio, video, document, or None."""
    major = mime.split("/", 1)[0]
    if major in ("image", "audio", "video"):
        return major
    if mime in DOCUMENT_MIME_TYPES:
        return "document"
    return None


def extension(mime: str | None) -> str:
    if not mime:
        return "bin"
    known = EXTENSIONS.get(mime.lower().split(";")[0].strip())
    if known:
        return known
    import mimetypes

    guessed = mimetypes.guess_extension(mime.split(";")[0].strip())
    return guessed.lstrip(".") if guessed else "bin"


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# C0 controls that plain text does not hold (tab, newlines, form feed and ESC it may).
_BINARY_CONTROLS = frozenset(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B}


def decode_text(data: bytes) -> str | None:
    """The text, when the bytes are UTF-8 (a BOM is dropped) or UTF-16/32 with a BOM."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                return None
            if encoding == "utf-8-sig" or not any(ord(ch) in _BINARY_CONTROLS for ch in text):
                return text
            return None
    return data.decode("utf-8") if looks_like_text(data) else None


def looks_like_8bit_text(data: bytes) -> bool:
    """Text in a legacy 8-bit encoding (Latin-1, cp1252...): no control bytes, some >= 0x80."""
    head = data[:8192]
    return any(b >= 0x80 for b in head) and not any(b in _BINARY_CONTROLS for b in head)


def looks_like_text(data: bytes) -> bool:
    if b"\x00" in data[:8192]:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
