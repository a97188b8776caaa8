"""Ticket photos: decoded to prove they are images, re-encoded without EXIF, thumbnailed, stored.

Storage is local disk under `settings.linli_data_dir / "uploads"` by default. `Storage` is the seam for
S3-compatible storage: an implementation with the same two methods (put/get, e.g. on aioboto3) is chosen
in `storage_for(settings)`; see docs/tickets.md.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PIL import Image, ImageOps, UnidentifiedImageError

from app.core.settings import Settings

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_TICKET = 9
THUMB_SIZE = (320, 320)
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
# Refuse decompression bombs well before Pillow's own limit: 40 megapixels is plenty for a phone photo.
MAX_PIXELS = 40_000_000


class Storage(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes | None: ...


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError("key escapes the storage root")
        return path

    async def put(self, key: str, data: bytes) -> None:
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".part")
            tmp.write_bytes(data)
            tmp.replace(path)

        await asyncio.to_thread(write)

    async def get(self, key: str) -> bytes | None:
        path = self._path(key)

        def read() -> bytes | None:
            return path.read_bytes() if path.exists() else None

        return await asyncio.to_thread(read)


def storage_for(settings: Settings) -> Storage:
    return LocalStorage(settings.linli_data_dir / "uploads")


@dataclass
class Processed:
    content_type: str
    extension: str
    data: bytes
    thumbnail: bytes
    width: int
    height: int


class NotDecodable(Exception):
    pass


def process_image(raw: bytes) -> Processed:
    """Decode (JPEG/PNG/WebP only), apply the EXIF orientation, re-encode without any metadata."""
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            fmt = probe.format
            if fmt not in FORMATS or probe.width * probe.height > MAX_PIXELS:
                raise NotDecodable(fmt)
            probe.load()
            image = ImageOps.exif_transpose(probe)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise NotDecodable(str(exc)) from exc
    content_type, extension = FORMATS[fmt]
    if image.mode == "P":
        image = image.convert("RGBA")
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    clean = Image.new(image.mode, image.size)
    clean.paste(image)  # a fresh image carries no info dict: no EXIF, XMP, ICC comments or GPS
    out = io.BytesIO()
    save_args: dict[str, object] = {"quality": 85} if fmt in ("JPEG", "WEBP") else {"optimize": True}
    clean.save(out, format=fmt, **save_args)
    thumb = clean.copy()
    thumb.thumbnail(THUMB_SIZE)
    if thumb.mode not in ("RGB", "L"):
        thumb = thumb.convert("RGB")
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, format="JPEG", quality=80)
    return Processed(content_type, extension, out.getvalue(), thumb_out.getvalue(), clean.width, clean.height)


def keys_for(ticket_id: uuid.UUID, attachment_id: uuid.UUID, extension: str) -> tuple[str, str]:
    base = f"tickets/{ticket_id}/{attachment_id}"
    return f"{base}.{extension}", f"{base}_thumb.jpg"
