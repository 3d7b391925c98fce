"""The sample receipt through the Python stack, for tools/bench/receipt.

python-escpos + arabic-reshaper + python-bidi + Pillow + qrcode: the usual way to print Persian
on an ESC/POS printer from Python. The text is the same as kiosk-receipt's built-in sample
(firmware/receipt/src/sample.rs, 80mm profile: 576 dots, Vazirmatn, native QR codes, model 2,
level M, 5-dot modules), laid out as lines: reshaped, reordered, drawn with Pillow, thresholded to
1 bit, sent with python-escpos as GS v 0 raster, QR codes as GS ( k, then a cut.

Not the same work as ours in two ways, both in Python's favour: the Jalali dates and masked
numbers are given as finished strings (ours computes them), and lines are wrapped by a simple
greedy word fit (ours runs a Unicode line breaker over shaped runs). Its output also differs in
quality: the parentheses of "(۱۰ روز کاری)" come out unmirrored, as ")...(" (no mirroring
in python-bidi's get_display with Pillow's basic layout); ours mirrors them.

  receipt.py --iterations N    in-process: builds the receipt N times, prints the median (s)
  receipt.py --once OUT        one receipt to OUT (a whole process per run, for timing)
  receipt.py --qr-image ...    QR codes as raster images made by `qrcode` instead of native
"""

import argparse
import os
import statistics
import sys
import time

import arabic_reshaper
from bidi import get_display
from escpos.constants import QR_ECLEVEL_M, QR_MODEL_2
from escpos.printer import Dummy
from PIL import Image, ImageDraw, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
FONTS = os.path.join(HERE, "..", "..", "firmware", "receipt", "fonts")
WIDTH = 576
MARGIN = 8

TRACKING_URL = "https://samad.example.ir/t/1000120000004275"
SATISFACTION_URL = (
    "https://samad.example.ir/s/AQAADAAAAasAAAAAAAAAFQBpI9EAaTDxAN9kN3Zm0m2bq8cC4X5uSg7wYt1PzLh0bQ2aVf3"
    "JkR8eOy6sMd9WnE4iTcGxU5pAoZr1vBqH7yKjDl0FhN2tXs3cBzY8mUw"
)

_fonts = {}


def font(weight, size):
    key = (weight, size)
    if key not in _fonts:
        # BASIC layout: the text arrives shaped (reshaper) and in visual order (bidi); raqm,
        # when Pillow has it, would reorder it a second time.
        _fonts[key] = ImageFont.truetype(
            os.path.join(FONTS, f"Vazirmatn-{weight}.ttf"),
            size,
            layout_engine=ImageFont.Layout.BASIC,
        )
    return _fonts[key]


def visual(text):
    return get_display(arabic_reshaper.reshape(text))


def wrap(text, f, width):
    """Greedy word wrap on logical text, measuring the shaped, reordered line."""
    lines, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if f.getlength(visual(candidate)) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def block(items):
    """items: (text, weight, size, align) or ("rule",). Returns a 1-bit image."""
    rows = []
    for item in items:
        if item[0] == "rule":
            rows.append(("rule", 12))
            continue
        text, weight, size, align = item
        f = font(weight, size)
        for line in wrap(text, f, WIDTH - 2 * MARGIN):
            rows.append(((visual(line), f, align), int(size * 1.5)))
    height = sum(h for _, h in rows)
    img = Image.new("L", (WIDTH, height), 255)
    draw = ImageDraw.Draw(img)
    y = 0
    for row, h in rows:
        if row == "rule":
            draw.line((WIDTH // 4, y + h // 2, WIDTH * 3 // 4, y + h // 2), fill=0, width=2)
        else:
            text, f, align = row
            w = f.getlength(text)
            x = (WIDTH - w) / 2 if align == "center" else WIDTH - MARGIN - w
            draw.text((x, y), text, font=f, fill=0)
        y += h
    return img.point(lambda v: 0 if v < 128 else 255, mode="1")


def receipt(native_qr=True):
    p = Dummy()
    # The 80mm profile's width (the default profile leaves it unknown and complains).
    p.profile.profile_data["media"]["width"]["pixels"] = WIDTH
    p.hw("INIT")
    p.image(
        block(
            [
                ("اداره‌ی کل ثبت اسناد و املاک استان تهران", "Bold", 26, "center"),
                ("میز خدمت شماره‌ی ۳ — طبقه‌ی همکف", "Medium", 22, "center"),
                ("rule",),
                ("رسید ثبت شکایت", "Bold", 30, "center"),
                ("کد رهگیری", "Medium", 20, "center"),
                ("۱۰۰۰ ۱۲۰۰ ۰۰۰۰ ۴۲۷۵", "Bold", 48, "center"),
                ("موضوع: تأخیر در صدور سند مالکیت", "Medium", 22, "right"),
                ("زمان ثبت: ۲ آذر ۱۴۰۵، ساعت ۱۰:۳۰", "Medium", 22, "right"),
                ("مهلت پاسخ: ۱۴ آذر ۱۴۰۵ (۱۰ روز کاری)", "Medium", 22, "right"),
                ("کد ملی: ******۷۸۹۱", "Medium", 22, "right"),
                ("تلفن همراه: ۰۹۱۲***۴۵۶۷", "Medium", 22, "right"),
                ("rule",),
            ]
        ),
        center=False,
    )
    qr = dict(ec=QR_ECLEVEL_M, size=5, model=QR_MODEL_2, native=native_qr, center=False)
    p.set(align="center")
    p.qr(TRACKING_URL, **qr)
    p.image(
        block(
            [
                ("پیگیری: این کد، samad.example.ir یا تلفن ۱۱۱", "Medium", 20, "center"),
                ("rule",),
            ]
        ),
        center=False,
    )
    p.qr(SATISFACTION_URL, **qr)
    p.image(
        block(
            [
                ("نظرسنجی این خدمت: با گوشی اسکن کنید", "Medium", 20, "center"),
                ("rule",),
                ("این رسید را تا پایان رسیدگی نگه دارید.", "Medium", 20, "center"),
            ]
        ),
        center=False,
    )
    p.cut()
    return p.output


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=0)
    parser.add_argument("--once", metavar="OUT")
    parser.add_argument("--qr-image", action="store_true")
    args = parser.parse_args()
    native = not args.qr_image
    if args.once:
        with open(args.once, "wb") as out:
            out.write(receipt(native))
        return
    receipt(native)  # warm up: fonts loaded once, as a long-running process would
    times = []
    for _ in range(max(args.iterations, 1)):
        start = time.perf_counter()
        data = receipt(native)
        times.append(time.perf_counter() - start)
    print(f"{statistics.median(times):.9f} {len(data)}")


if __name__ == "__main__":
    sys.exit(main())
