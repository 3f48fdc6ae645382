"""Reliability diagram drawn with PIL (no matplotlib on this machine)."""
import struct
import zlib

import numpy as np


def write_png(path, rgb):
    """Minimal PNG writer (no matplotlib): rgb uint8 [H,W,3]."""
    h, w, _ = rgb.shape
    raw = b''.join(b'\x00' + rgb[y].tobytes() for y in range(h))
    def chunk(t, d):
        c = struct.pack('>I', len(d)) + t + d
        return c + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
    png += chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b'')
    with open(path, 'wb') as f:
        f.write(png)


def reliability_plot(path, curves, title):
    """curves: list of (name, colour, table) with table rows (conf, acc, _, n). Drawn with PIL."""
    from PIL import Image, ImageDraw
    W, H, m = 520, 640, 60
    im = Image.new('RGB', (W, H), 'white')
    d = ImageDraw.Draw(im)
    x0, y0, x1, y1 = m, 40, W - 20, 40 + (W - 20 - m)
    X = lambda v: x0 + v * (x1 - x0)
    Y = lambda v: y1 - v * (y1 - y0)
    d.rectangle([x0, y0, x1, y1], outline='black')
    for t in np.linspace(0, 1, 6):
        d.line([X(t), y1, X(t), y1 + 5], fill='black')
        d.text((X(t) - 8, y1 + 8), f'{t:.1f}', fill='black')
        d.line([x0 - 5, Y(t), x0, Y(t)], fill='black')
        d.text((x0 - 30, Y(t) - 5), f'{t:.1f}', fill='black')
        d.line([X(t), y0, X(t), y1], fill=(230, 230, 230))
        d.line([x0, Y(t), x1, Y(t)], fill=(230, 230, 230))
    d.line([X(0), Y(0), X(1), Y(1)], fill=(150, 150, 150), width=1)
    d.text((x0, 10), title, fill='black')
    d.text(((x0 + x1) / 2 - 60, y1 + 25), 'mean predicted probability', fill='black')
    d.text((5, y0 - 15), 'observed frequency', fill='black')
    ly = y1 + 42
    for name, col, table in curves:
        pts = [(X(c), Y(a), n) for c, a, _, n in table if a is not None]
        for i in range(len(pts) - 1):
            d.line([pts[i][0], pts[i][1], pts[i + 1][0], pts[i + 1][1]], fill=col, width=2)
        for x, y, n in pts:
            r = 2 + min(6, int(np.sqrt(n)))
            d.ellipse([x - r, y - r, x + r, y + r], outline=col, width=2)
        d.text((x0 + (ly - y1 - 42) * 0, ly), name, fill=col)
        ly += 12
    write_png(path, np.asarray(im))
