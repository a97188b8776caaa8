"""Ticket photos: storage and keys. Cleaning (decode, size limits, EXIF stripped, thumbnail) is
`app.core.photos.clean_photo`.

Storage is local disk under `settings.linli_data_dir / "uploads"` by default. `Storage` is the seam for
S3-compatible storage: an implementation with the same methods (put/get/delete, e.g. on aioboto3) is chosen
in `storage_for(settings)`; see docs/tickets.md.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Protocol

# Decoding and cleaning live in app/core/photos.py (shared with proposals and projects); re-exported.
from app.core.photos import ImageTooLarge, NotDecodable, Processed, clean_photo, process_image
from app.core.settings import Settings

__all__ = ["ImageTooLarge", "NotDecodable", "Processed", "clean_photo", "process_image"]


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


def keys_for(ticket_id: uuid.UUID, attachment_id: uuid.UUID, extension: str) -> tuple[str, str]:
    base = f"tickets/{ticket_id}/{attachment_id}"
    return f"{base}.{extension}", f"{base}_thumb.jpg"
