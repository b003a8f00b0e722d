"""A shop's shareable visual, drawn with Pillow: its name and its market on a festive card."""

import io
import textwrap

from django.utils.translation import gettext
from PIL import Image, ImageDraw, ImageFont

SIZE = 1080
RED = (165, 28, 48)
CREAM = (253, 246, 236)
GOLD = (222, 180, 90)


def _font(size: int):
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
    for line in textwrap.wrap(market_title, 26):
        y = _centered(draw, y, line, _font(58), GOLD) + 18
    y += 70
    for line in textwrap.wrap(shop_name, 18)[:3]:
        y = _centered(draw, y, line, _font(96), CREAM) + 24
    _centered(draw, SIZE - 190, gettext("Commandez en ligne, retirez en boutique"), _font(44), CREAM)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
