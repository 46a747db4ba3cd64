"""Logo and colour checks for the administration's branding."""

import hashlib
import io
import re

from PIL import Image, UnidentifiedImageError

MAX_LOGO_BYTES = 1_000_000
MAX_LOGO_PIXELS = 4000
LOGO_TYPES = {"PNG": "png", "JPEG": "jpg"}
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


class LogoError(ValueError):
    pass


def check_logo(content: bytes) -> tuple[str, str]:
    """(file type, sha256) of a PNG or JPEG logo; LogoError saying why anything else is refused.

    The image is decoded in full, so a file that only starts like a PNG is refused too."""
    if not content:
        raise LogoError("the logo file is empty")
    if len(content) > MAX_LOGO_BYTES:
        raise LogoError(f"the logo is {len(content):,} bytes; at most {MAX_LOGO_BYTES:,} are accepted")
    try:
        with Image.open(io.BytesIO(content)) as probe:
            kind = probe.format or ""
            probe.verify()
        with Image.open(io.BytesIO(content)) as image:
            image.load()
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise LogoError(f"the logo is not a readable PNG or JPEG image ({exc.__class__.__name__})") from None
    if kind not in LOGO_TYPES:
        raise LogoError(f"the logo is a {kind or 'unknown'} image; use PNG or JPEG")
    if width > MAX_LOGO_PIXELS or height > MAX_LOGO_PIXELS:
        raise LogoError(f"the logo is {width}×{height} pixels; at most {MAX_LOGO_PIXELS} on a side")
    return LOGO_TYPES[kind], hashlib.sha256(content).hexdigest()


def is_colour(value: str) -> bool:
    return bool(COLOUR.fullmatch(value or ""))
