"""Draw backcare's app icons: one geometry, written as SVG and as PNG at every size.

The icon is a stack of five vertebrae on a gentle curve, white on backcare's blue,
with a rounded square behind it. The "maskable" variant keeps the drawing inside the
central 80 % safe zone so a phone's round or squircle mask never cuts it. PNGs are
drawn with Pillow at four times the size and scaled down (smooth edges), so running
this again gives the same files:

    python scripts/make_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "src" / "backcare" / "web" / "static" / "icons"
BLUE = "#0b5394"
WHITE = "#ffffff"
UNIT = 512  # the geometry is written in a 512 x 512 box
#: (centre x, centre y, width, height) of each vertebra, top to bottom: a gentle S-curve.
VERTEBRAE = (
    (262, 118, 124, 52),
    (250, 188, 136, 56),
    (244, 262, 148, 60),
    (252, 340, 160, 62),
    (270, 420, 172, 62),
)
#: (name, size in px, maskable) of the PNGs the manifest and the pages refer to.
PNGS = (
    ("icon-192.png", 192, False),
    ("icon-512.png", 512, False),
    ("maskable-512.png", 512, True),
    ("apple-touch-icon.png", 180, True),
)


def _shapes(maskable: bool) -> tuple[float, list[tuple[float, float, float, float, float]]]:
    """The background corner radius and the vertebrae as (x0, y0, x1, y1, radius)."""
    # Maskable icons fill the square (the phone draws the mask) and shrink the drawing.
    scale = 0.72 if maskable else 1.0
    corner = 0.0 if maskable else 96.0
    boxes = []
    for cx, cy, w, h in VERTEBRAE:
        x = UNIT / 2 + (cx - UNIT / 2) * scale
        y = UNIT / 2 + (cy - UNIT / 2 + 3) * scale
        half_w, half_h = w * scale / 2, h * scale / 2
        boxes.append((x - half_w, y - half_h, x + half_w, y + half_h, half_h * 0.8))
    return corner, boxes


def svg(maskable: bool = False) -> str:
    """The icon as SVG text."""
    corner, boxes = _shapes(maskable)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {UNIT} {UNIT}">',
        f'<rect width="{UNIT}" height="{UNIT}" rx="{corner:g}" fill="{BLUE}"/>',
    ]
    for x0, y0, x1, y1, r in boxes:
        parts.append(
            f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" '
            f'rx="{r:.1f}" fill="{WHITE}"/>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def png(size: int, maskable: bool = False) -> Image.Image:
    """The icon drawn at ``size`` x ``size`` pixels."""
    big = size * 4
    k = big / UNIT
    corner, boxes = _shapes(maskable)
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=corner * k, fill=BLUE)
    for x0, y0, x1, y1, r in boxes:
        draw.rounded_rectangle((x0 * k, y0 * k, x1 * k, y1 * k), radius=r * k, fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icon.svg").write_text(svg())
    (OUT / "maskable.svg").write_text(svg(maskable=True))
    for name, size, maskable in PNGS:
        png(size, maskable).save(OUT / name, optimize=True)


if __name__ == "__main__":
    main()
