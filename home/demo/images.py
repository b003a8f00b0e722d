"""Demo illustrations drawn with Pillow and stored as Wagtail images.

No download: a gradient in the shop category's colours, a Christmas motif and
a short text (a shop's initials). The image title is what templates use as
alt text, so it says what the picture stands for.
"""

import math
import random
import unicodedata
from functools import lru_cache
from io import BytesIO

from django.core.files.images import ImageFile
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.images import get_image_model

from shops.models import ShopCategory

# (top, bottom) of the gradient for each shop category, plus the portal's own.
PALETTES = {
    ShopCategory.SHOP: ((30, 58, 95), (96, 141, 190)),
    ShopCategory.ARTISAN: ((110, 62, 30), (201, 140, 77)),
    ShopCategory.FOOD: ((122, 24, 36), (214, 160, 72)),
    ShopCategory.RESTAURANT: ((84, 22, 54), (196, 88, 96)),
    ShopCategory.ACTIVITY: ((18, 82, 70), (104, 176, 140)),
    ShopCategory.CULTURE: ((58, 36, 100), (150, 120, 196)),
    ShopCategory.STAY: ((36, 64, 44), (150, 176, 110)),
    "portal": ((20, 52, 40), (168, 32, 44)),
}
MOTIFS = ("star", "tree", "snowflake", "bauble", "gift")
CARD_SIZE = (1200, 800)
BANNER_SIZE = (1600, 600)
LOGO_SIZE = (400, 400)
INK = (255, 250, 240)


@lru_cache(maxsize=8)
def _font(size: int):
    """DejaVu Sans Bold when the system has it (accents included), else Pillow's own font."""
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def _drawable(text: str, font) -> str:
    """Pillow's built-in font has no accented letters: fall back to plain ones."""
    if isinstance(font, ImageFont.FreeTypeFont) and "DejaVu" in (font.getname()[0] or ""):
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def draw(*, palette: str, motif: str, text: str, size=CARD_SIZE, seed: str = "") -> bytes:
    """A JPEG: gradient, scattered snow, the motif on the right, `text` on the left."""
    width, height = size
    top, bottom = PALETTES[palette]
    mask = PILImage.linear_gradient("L").resize(size)
    picture = PILImage.composite(PILImage.new("RGB", size, bottom), PILImage.new("RGB", size, top), mask)
    pen = ImageDraw.Draw(picture)

    rng = random.Random(f"seed-demo:image:{seed or text}:{motif}")
    for _ in range(70):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.choice((2, 3, 4, 6))
        pen.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255))

    radius = int(min(width, height) * 0.32)
    centre = (int(width * 0.72), height // 2)
    MOTIF_PAINTERS[motif](pen, centre, radius)

    if text:
        font = _font(int(height * (0.34 if len(text) <= 3 else 0.14)))
        text = _drawable(text, font)
        x, y = int(width * 0.08), int(height * 0.5)
        pen.text((x + 4, y + 4), text, font=font, fill=(0, 0, 0), anchor="lm")
        pen.text((x, y), text, font=font, fill=INK, anchor="lm")

    out = BytesIO()
    picture.save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue()


def _star(pen, centre, radius, points=5):
    cx, cy = centre
    vertices = []
    for i in range(points * 2):
        r = radius if i % 2 == 0 else radius * 0.42
        angle = math.pi / points * i - math.pi / 2
        vertices.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    pen.polygon(vertices, fill=(250, 214, 92), outline=INK)


def _tree(pen, centre, radius):
    cx, cy = centre
    for level in range(3):
        half = radius * (0.55 + 0.2 * level)
        top = cy - radius + level * radius * 0.45
        pen.polygon([(cx, top), (cx - half, top + radius * 0.75), (cx + half, top + radius * 0.75)],
                    fill=(34, 110, 60), outline=INK)
    pen.rectangle((cx - radius * 0.12, cy + radius * 0.65, cx + radius * 0.12, cy + radius), fill=(96, 60, 30))
    _star(pen, (cx, cy - radius), radius * 0.18)


def _snowflake(pen, centre, radius):
    cx, cy = centre
    width = max(4, radius // 14)
    for i in range(6):
        angle = math.pi / 3 * i
        ex, ey = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        pen.line((cx, cy, ex, ey), fill=INK, width=width)
        for along in (0.5, 0.75):
            bx, by = cx + radius * along * math.cos(angle), cy + radius * along * math.sin(angle)
            for turn in (-0.6, 0.6):
                pen.line((bx, by, bx + radius * 0.22 * math.cos(angle + turn),
                          by + radius * 0.22 * math.sin(angle + turn)), fill=INK, width=width)


def _bauble(pen, centre, radius):
    cx, cy = centre
    r = radius * 0.8
    pen.ellipse((cx - r, cy - r + radius * 0.15, cx + r, cy + r + radius * 0.15), fill=(196, 30, 58), outline=INK,
                width=6)
    pen.rectangle((cx - r * 0.25, cy - r - radius * 0.05, cx + r * 0.25, cy - r + radius * 0.2), fill=(230, 190, 80))
    pen.arc((cx - r * 0.7, cy - r * 0.3, cx + r * 0.7, cy + r * 0.3), 0, 180, fill=INK, width=6)


def _gift(pen, centre, radius):
    cx, cy = centre
    r = radius * 0.75
    pen.rectangle((cx - r, cy - r * 0.6, cx + r, cy + r), fill=(40, 120, 160), outline=INK, width=4)
    pen.rectangle((cx - r * 0.15, cy - r * 0.6, cx + r * 0.15, cy + r), fill=(230, 190, 80))
    pen.rectangle((cx - r, cy + r * 0.05, cx + r, cy + r * 0.3), fill=(230, 190, 80))
    pen.ellipse((cx - r * 0.7, cy - r * 1.1, cx, cy - r * 0.55), outline=(230, 190, 80), width=10)
    pen.ellipse((cx, cy - r * 1.1, cx + r * 0.7, cy - r * 0.55), outline=(230, 190, 80), width=10)


MOTIF_PAINTERS = {"star": _star, "tree": _tree, "snowflake": _snowflake, "bauble": _bauble, "gift": _gift}


def ensure_image(collection, title: str, *, filename: str, palette: str, motif: str, text: str = "",
                 size=CARD_SIZE) -> tuple[object, bool]:
    """The image titled `title` in `collection`, drawn and saved if missing."""
    Image = get_image_model()
    existing = Image.objects.filter(collection=collection, title=title).first()
    if existing is not None:
        return existing, False
    data = draw(palette=palette, motif=motif, text=text, size=size, seed=filename)
    image = Image(title=title, collection=collection, file=ImageFile(BytesIO(data), name=f"{filename}.jpg"))
    image._set_image_file_metadata()
    image.save()
    return image, True
