"""Photos residents upload (tickets, proposals, projects): cleaning, storing and reading, one way.

`store_photo` is how an upload reaches storage, for every domain: the size cap, `clean_photo`, keys
`<folder>/<id>.<ext>` and `<folder>/<id>_thumb.jpg`, and both files deleted again when the request's
transaction rolls back (no orphan file, issue #19); the domain then adds its row from
`StoredPhoto.columns()`. `read_stored` returns a row's bytes (or its thumbnail's). `Storage` is the seam
for S3-compatible storage: local disk under `LINLI_DATA_DIR/uploads` by default (`storage_for`), and
`PhotoStorage` is the FastAPI dependency the routers take.

It proves the bytes are a JPEG, PNG or WebP by decoding them, refuses anything over 16 megapixels
before decoding pixels (`ImageTooLarge` → 422 ``image_too_large``), reduces big photos while decoding
(JPEG draft mode scales in the decoder; others are reduced right after), re-encodes without any
metadata (EXIF carries GPS), makes a thumbnail, and runs at most `WORKERS` at once on a pool of its
own, so a burst of uploads cannot take the process's memory (a 6300×6300 PNG used to take 450 MB).

    image = await clean_photo(raw)        # raises NotDecodable or ImageTooLarge
"""

from __future__ import annotations

import asyncio
import functools
import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Protocol

from fastapi import Depends, Request
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import on_rollback
from app.core.settings import Settings

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
# What a phone camera makes (12–16 MP); larger is refused before any pixel is decoded.
MAX_PIXELS = 16_000_000
# The stored photo's longest side: plenty to read a meter or a crack, a quarter of the memory of 16 MP.
MAX_SIDE = 2560
THUMB_SIZE = (320, 320)
WORKERS = 2

_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="photos")


class NotDecodable(Exception):
    """Not a JPEG, PNG or WebP image we can read."""


class ImageTooLarge(Exception):
    """More pixels than MAX_PIXELS."""


@dataclass
class Processed:
    content_type: str
    extension: str
    data: bytes
    thumbnail: bytes
    width: int
    height: int


def process_image(raw: bytes) -> Processed:
    """Decode (JPEG/PNG/WebP only), apply the EXIF orientation, re-encode without any metadata.

    Blocking CPU work: call `clean_photo` from async code.
    """
    try:
        with Image.open(io.BytesIO(raw), formats=list(FORMATS)) as probe:
            fmt = probe.format
            if fmt not in FORMATS:
                raise NotDecodable(fmt)
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageTooLarge(f"{probe.width}x{probe.height}")
            if fmt == "JPEG":
                # The decoder itself scales by 1/2, 1/4 or 1/8: a 16 MP photo never exists in memory.
                probe.draft("RGB", (MAX_SIDE, MAX_SIDE))
            probe.load()
            image: Image.Image = probe
            if max(image.size) > MAX_SIDE:
                image.thumbnail((MAX_SIDE, MAX_SIDE))  # in place, reducing first
            image = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise NotDecodable(str(exc)) from exc
    content_type, extension = FORMATS[fmt]
    if image.mode == "P":
        image = image.convert("RGBA")
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    clean = Image.new(image.mode, image.size)
    clean.paste(image)  # a fresh image carries no info dict: no EXIF, XMP, ICC comments or GPS
    del image
    out = io.BytesIO()
    save_args: dict[str, object] = {"quality": 85} if fmt in ("JPEG", "WEBP") else {"optimize": True}
    clean.save(out, format=fmt, **save_args)
    width, height = clean.size
    clean.thumbnail(THUMB_SIZE)  # the full-size copy is no longer needed: shrink it in place
    if clean.mode not in ("RGB", "L"):
        clean = clean.convert("RGB")
    thumb_out = io.BytesIO()
    clean.save(thumb_out, format="JPEG", quality=80)
    return Processed(content_type, extension, out.getvalue(), thumb_out.getvalue(), width, height)


async def clean_photo(raw: bytes) -> Processed:
    """`process_image` on the photo pool: at most WORKERS decode at once, the rest wait their turn."""
    return await asyncio.get_running_loop().run_in_executor(_pool, process_image, raw)


# ---------------------------------------------------------------- storage


class Storage(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes | None: ...

    async def delete(self, key: str) -> None: ...


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

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(path.unlink, True)


def storage_for(settings: Settings) -> Storage:
    return LocalStorage(settings.linli_data_dir / "uploads")


def _request_storage(request: Request) -> Storage:
    return storage_for(request.app.state.settings)


PhotoStorage = Annotated[Storage, Depends(_request_storage)]


# ---------------------------------------------------------------- store and read


@dataclass(frozen=True)
class StoredPhoto:
    """A cleaned photo in storage: the columns every photo table has (tickets, proposals, projects)."""

    id: uuid.UUID
    content_type: str
    size: int
    width: int
    height: int
    storage_key: str
    thumb_key: str

    def columns(self) -> dict[str, object]:
        return asdict(self)


async def store_photo(
    db: AsyncSession,
    storage: Storage,
    raw: bytes,
    folder: str,
    *,
    max_bytes: int,
    too_large: type[Exception],
    too_many_pixels: type[Exception],
    not_an_image: type[Exception],
) -> StoredPhoto:
    """Check, clean and store an upload; its files are deleted again if the request rolls back.

    Raises the domain's own errors (their codes are the domain's contract): `too_large` over
    `max_bytes`, `too_many_pixels` over MAX_PIXELS, `not_an_image` for anything but JPEG, PNG or WebP.
    """
    if len(raw) > max_bytes:
        raise too_large()
    try:
        image = await clean_photo(raw)
    except ImageTooLarge as exc:
        raise too_many_pixels() from exc
    except NotDecodable as exc:
        raise not_an_image() from exc
    photo_id = uuid.uuid4()
    base = f"{folder}/{photo_id}"
    key, thumb_key = f"{base}.{image.extension}", f"{base}_thumb.jpg"
    for written in (key, thumb_key):  # a rolled-back upload leaves no orphan file (issue #19)
        on_rollback(db, functools.partial(storage.delete, written))
    await storage.put(key, image.data)
    await storage.put(thumb_key, image.thumbnail)
    return StoredPhoto(
        id=photo_id,
        content_type=image.content_type,
        size=len(image.data),
        width=image.width,
        height=image.height,
        storage_key=key,
        thumb_key=thumb_key,
    )


class _PhotoRow(Protocol):
    content_type: str
    storage_key: str
    thumb_key: str


async def read_stored(storage: Storage, row: _PhotoRow, thumbnail: bool) -> tuple[bytes, str] | None:
    """A stored photo's bytes and media type (the thumbnail is always JPEG); None if the file is gone."""
    data = await storage.get(row.thumb_key if thumbnail else row.storage_key)
    if data is None:
        return None
    return data, "image/jpeg" if thumbnail else row.content_type
