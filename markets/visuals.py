"""A shop's shareable visuals, drawn with Pillow: a square card (posts) and a cover (1640x624, pages' banners)."""

import io

from django.utils.translation import gettext
from PIL import Image, ImageDraw, ImageFont, ImageOps

SIZE = 1080
RED = (165, 28, 48)
CREAM = (253, 246, 236)
GOLD = (222, 180, 90)


def _font(size: int):
    # Pillow's own font has no accented letters (« Marché », « Noël »): DejaVu, which
    # WeasyPrint's system packages bring (make pdf-libs), when the machine has it.
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def _centered(draw, y: int, text: str, font, fill) -> int:
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((SIZE - (right - left)) / 2, y), text, font=font, fill=fill)
    return y + (bottom - top)


def shop_visual_png(shop_name: str, market_title: str) -> bytes:
    image = Image.new("RGB", (SIZE, SIZE), RED)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, SIZE - 40, SIZE - 40), outline=GOLD, width=8)
    for x in range(120, SIZE - 80, 120):  # a garland of stars along the top
        draw.regular_polygon((x, 130, 22), 5, rotation=90, fill=GOLD)
    y = 260
    y = _centered(draw, y, gettext("Retrouvez-nous au"), _font(52), CREAM) + 30
    for line in _lines(draw, market_title, _font(54), SIZE - 160, 3):
        y = _centered(draw, y, line, _font(54), GOLD) + 18
    y += 70
    for line in _lines(draw, shop_name, _font(88), SIZE - 160, 3):
        y = _centered(draw, y, line, _font(88), CREAM) + 24
    _centered(draw, SIZE - 190, gettext("Commandez en ligne, retirez en boutique"), _font(38), CREAM)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# Facebook's page cover size; it also fits LinkedIn's and X's banners once cropped.
COVER_SIZE = (1640, 624)
# The part of the cover the text sits on, left of the shop's photo.
COVER_TEXT_WIDTH = 900
# The rendition the cover's photo is cut from: the part of the cover right of the text.
COVER_PHOTO_FILTER = f"fill-{COVER_SIZE[0] - COVER_TEXT_WIDTH}x{COVER_SIZE[1]}"


def shop_cover_png(shop_name: str, market_title: str, photo=None) -> bytes:
    """A 1640x624 PNG: the shop's photo (a file or None), its name and its market, to use as a cover.

    The text sits on a red band, left; the photo, cropped around its centre,
    fills the rest, so the text reads whatever the photo.
    """
    width, height = COVER_SIZE
    image = Image.new("RGB", COVER_SIZE, RED)
    if photo is not None:
        with Image.open(photo) as source:
            picture = ImageOps.fit(source.convert("RGB"), (width - COVER_TEXT_WIDTH, height), Image.Resampling.LANCZOS)
        image.paste(picture, (COVER_TEXT_WIDTH, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((24, 24, width - 24, height - 24), outline=GOLD, width=6)
    for x in range(90, COVER_TEXT_WIDTH - 60, 110):  # the square visual's garland of stars
        draw.regular_polygon((x, 90, 16), 5, rotation=90, fill=GOLD)
    y = 150
    text_width = COVER_TEXT_WIDTH - 2 * 80
    for line in _lines(draw, shop_name, _font(76), text_width, 2):
        y = _left(draw, 80, y, line, _font(76), CREAM) + 22
    y += 20
    for line in _lines(draw, market_title, _font(40), text_width, 2):
        y = _left(draw, 80, y, line, _font(40), GOLD) + 14
    _left(draw, 80, height - 110, gettext("Commandez en ligne, retirez en boutique"), _font(32), CREAM)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _left(draw, x: int, y: int, text: str, font, fill) -> int:
    top, bottom = draw.textbbox((x, y), text, font=font)[1::2]
    draw.text((x, y), text, font=font, fill=fill)
    return y + (bottom - top)


def _lines(draw, text: str, font, width: int, most: int) -> list[str]:
    """`text` cut into lines of at most `width` pixels in `font`, `most` lines at most, the last ending in … if cut."""
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > most:
        last = lines[most - 1]
        while last and draw.textlength(f"{last} …", font=font) > width:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        lines = [*lines[: most - 1], f"{last} …"]
    return lines
