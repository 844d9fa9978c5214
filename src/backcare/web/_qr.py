"""QR codes for pages: an SVG ``data:`` address an ``<img>`` can show (the CSP allows it).

Drawn here from the code's module matrix rather than with qrcode's SVG image factory,
which registers an ``svg:`` namespace prefix in ElementTree for the whole process and so
changes how every exercise drawing is written afterwards (``<svg:svg>``).
"""

from __future__ import annotations

import base64

__all__ = ["qr_data_uri"]


def qr_data_uri(data: str) -> str:
    """A QR code of ``data`` as an SVG data URL."""
    import qrcode

    code = qrcode.QRCode(border=2)
    code.add_data(data)
    matrix = code.get_matrix()
    size = len(matrix)
    path = "".join(
        f"M{x} {y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
