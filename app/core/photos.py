"""Photos residents upload (tickets today; proposals and projects next): one function, `clean_photo`.

It proves the bytes are a JPEG, PNG or WebP by decoding them, refuses anything over 16 megapixels
before decoding pixels (`ImageTooLarge` → 422 ``image_too_large``), reduces big photos while decoding
(JPEG draft mode scales in the decoder; others are reduced right after), re-encodes without any
metadata (EXIF carries GPS), makes a thumbnail, and runs at most `WORKERS` at once on a pool of its
own, so a burst of uploads cannot take the process's memory (a 6300×6300 PNG used to take 450 MB).

    image = await clean_photo(raw)        # raises NotDecodable or ImageTooLarge
"""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

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
