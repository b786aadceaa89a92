"""Close-out photos scaled once and kept on disk: a thumbnail for galleries and a large copy for the viewer
and the report, made together from one download of the original (Pillow), under
``MEDIA_ROOT/closeout/photos/<work order>/<photo>-<size>.jpg``. A photo id names one file for good in
TechLink, so a copy never goes stale. A photo that is not a readable image is remembered as such for a while
(``PhotoUnreadable``), so it is not downloaded again on every page."""

from __future__ import annotations

import contextvars
import logging
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.cache import cache
from PIL import Image, ImageOps, UnidentifiedImageError

from portal_ui.core.upstream import UpstreamError, translated
from portal_ui.dispatch import live

__all__ = [
    "SIZES",
    "PhotoUnreadable",
    "closeout_photos_prepare",
    "closeout_photos_prepare_soon",
    "closeout_photos_purge",
    "photo_variant",
    "photo_variant_cached",
    "photos_dir",
]

logger = logging.getLogger(__name__)

# Longest side in pixels. The thumbnail covers a gallery cell at twice its CSS size; the large copy fills a
# screen (the viewer); the print copy is the report's (8 cm wide at 300 dpi, 17 cm at 150 dpi).
SIZES = {"thumb": 400, "print": 1000, "large": 1600}
UNREADABLE_SECONDS = 600
_SPOOL_BYTES = 8 * 1024 * 1024


class PhotoUnreadable(Exception):
    """TechLink's file is not an image Pillow can read (corrupt, another kind of file, too large)."""


def photos_dir(workorder_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "closeout" / "photos" / str(int(workorder_id))


def _path(workorder_id: int, photo_id: int, size: str) -> Path:
    if size not in SIZES:
        raise ValueError(f"Unknown photo size: {size}")
    return photos_dir(workorder_id) / f"{int(photo_id)}-{size}.jpg"


def _unreadable_key(workorder_id: int, photo_id: int) -> str:
    return f"closeout:photo-unreadable:{int(workorder_id)}:{int(photo_id)}"


def photo_variant_cached(*, workorder_id: int, photo_id: int, size: str) -> Path | None:
    """The scaled copy when it was made before (nothing is fetched)."""
    path = _path(workorder_id, photo_id, size)
    return path if path.is_file() else None


def _spool(chunks, limit: int) -> BinaryIO:
    """The download in a temporary file (in memory while small), refused past ``limit`` bytes."""
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            spool.close()
            raise PhotoUnreadable(f"the file is larger than {limit // (1024 * 1024)} MB")
        spool.write(chunk)
    spool.seek(0)
    return spool


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _scaled(source: BinaryIO, wanted: dict[str, int]) -> dict[str, Image.Image]:
    """The photo at each ``wanted`` size (name: longest side), upright (EXIF orientation applied), in RGB."""
    try:
        with Image.open(source) as image:
            biggest = max(wanted.values())
            ratio = min(1.0, biggest / max(image.size))
            # JPEG: decode at the smallest scale (1/2, 1/4, 1/8) still at least as large as the copies need.
            image.draft("RGB", (max(1, int(image.width * ratio)), max(1, int(image.height * ratio))))
            if image.getexif().get(0x0112, 1) != 1:  # the camera was turned
                image = ImageOps.exif_transpose(image)
            image.load()
            base = _rgb(image)
            out = {}
            previous = base
            for name, edge in sorted(wanted.items(), key=lambda item: -item[1]):  # each from the next larger
                copy = previous.copy()
                copy.thumbnail((edge, edge), Image.Resampling.LANCZOS)
                out[name] = previous = copy
            return out
    except UnidentifiedImageError as exc:
        raise PhotoUnreadable("the file is not an image") from exc
    except Image.DecompressionBombError as exc:
        raise PhotoUnreadable("the image has too many pixels to open safely") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise PhotoUnreadable("the image is damaged or cut short") from exc


def _save(image: Image.Image, path: Path) -> None:
    """Write atomically: a page never reads half a file, and two makers at once are harmless."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".jpg")
    try:
        with os.fdopen(fd, "wb") as out:
            image.save(out, "JPEG", quality=82)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def photo_variant(*, workorder_id: int, photo_id: int, size: str) -> Path:
    """The photo scaled to ``size``, made now from TechLink's original when it was not made before.

    Raises ``PhotoUnreadable`` when the file is no readable image (remembered for ``UNREADABLE_SECONDS``), and
    the boundary's exceptions when TechLink cannot give the file."""
    cached = photo_variant_cached(workorder_id=workorder_id, photo_id=photo_id, size=size)
    if cached is not None:
        return cached
    known = cache.get(_unreadable_key(workorder_id, photo_id))
    if known:
        raise PhotoUnreadable(known)
    # A gallery's thumbnail makes the viewer's large copy too (it is opened next); the report's print copy
    # needs no larger one, and decoding a JPEG at a quarter of its size is several times faster.
    biggest = SIZES["large"] if size in ("thumb", "large") else SIZES[size]
    wanted = {name: edge for name, edge in SIZES.items() if edge <= biggest}
    download = live.workorder_photo(workorder_id=workorder_id, photo_id=photo_id)
    try:
        with download.raw as raw, translated():
            spool = _spool(raw.iter_bytes(), settings.CLOSEOUT_PHOTO_MAX_BYTES)
        with spool:
            images = _scaled(spool, wanted)
    except PhotoUnreadable as exc:
        logger.info("Photo #%s of work order #%s cannot be shown: %s", photo_id, workorder_id, exc)
        cache.set(
            _unreadable_key(workorder_id, photo_id), str(exc) or "not a readable image", UNREADABLE_SECONDS
        )
        raise
    for name, image in images.items():
        _save(image, _path(workorder_id, photo_id, name))
    return _path(workorder_id, photo_id, size)


def closeout_photos_prepare(*, workorder_id: int, photo_ids: list[int] | None = None) -> int:
    """Make the scaled copies of the work order's photos that are not made yet, several at once (a worker's
    job, so the first gallery of a close-out does not wait on TechLink photo by photo). Answers how many
    were made."""
    if photo_ids is None:
        photo_ids = [p.photo_id for p in live.workorder_photo_list(workorder_id=workorder_id)]
    missing = [
        pid
        for pid in photo_ids
        if photo_variant_cached(workorder_id=workorder_id, photo_id=pid, size="thumb") is None
    ]
    if not missing:
        return 0

    def make(photo_id: int) -> bool:
        try:
            photo_variant(workorder_id=workorder_id, photo_id=photo_id, size="thumb")
        except (PhotoUnreadable, UpstreamError):
            return False
        return True

    workers = max(1, min(settings.TECHLINK_MAX_WORKERS, len(missing)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="closeout-thumb") as pool:
        made = list(pool.map(lambda pid: contextvars.copy_context().run(make, pid), missing))
    return sum(made)


def closeout_photos_prepare_soon(*, workorder_id: int, photo_ids: list[int]) -> bool:
    """Queue ``closeout_photos_prepare`` when some thumbnails are missing (once a minute at most per work
    order). Answers whether it was queued."""
    if all(photo_variant_cached(workorder_id=workorder_id, photo_id=p, size="thumb") for p in photo_ids):
        return False
    if not cache.add(f"closeout:photos-prepare:{int(workorder_id)}", True, 60):
        return False
    from portal_ui.dispatch.tasks import closeout_photos_prepare_task

    try:
        closeout_photos_prepare_task.delay(workorder_id)
    except Exception:
        logger.warning("Could not queue the thumbnails of work order #%s", workorder_id, exc_info=True)
        return False
    return True


def closeout_photos_purge(*, now: float | None = None) -> int:
    """Daily: forget scaled copies not made or used for ``CLOSEOUT_PHOTO_KEEP_DAYS`` (made again on demand).
    Answers how many files were removed."""
    import time

    root = Path(settings.MEDIA_ROOT) / "closeout" / "photos"
    if not root.is_dir():
        return 0
    before = (now or time.time()) - settings.CLOSEOUT_PHOTO_KEEP_DAYS * 86400
    removed = 0
    for path in root.glob("*/*.jpg"):
        try:
            stat = path.stat()
            if max(stat.st_mtime, stat.st_atime) < before:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    for folder in root.iterdir():
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return removed
