"""Small SVG charts drawn on the server: no script, text beside every bar, and every
figure in the chart's description for screen readers (a picture's text is not read)."""

from itertools import count

from markupsafe import Markup, escape

BAR = "#0b5cad"
SOFT = "#c9d1d9"
TEXT = "#1b1f24"


_ids = count(1)  # ids unique within a page, whichever charts it shows


def _opening(prefix, items, title, width, height):
    key = f"{prefix}-{next(_ids)}"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{key}" aria-describedby="{key}-d">',
        f'<title id="{key}">{escape(title)}</title>',
        f'<desc id="{key}-d">{escape(_described(items))}</desc>',
    ]


def _described(items):
    return "; ".join(f"{label}: {'–' if value is None else value}" for label, value in items)


def hbars(items, title, unit="%", maximum=100, width=340):
    """Horizontal bars: items are (label, value or None); values shown as text too."""
    row = 26
    label_w = 130
    height = row * max(len(items), 1) + 30
    parts = _opening(
        "t", [(k, v if v is None else f"{v}{unit}") for k, v in items], title, width, height
    )
    bar_w = width - label_w - 50
    for i, (label, value) in enumerate(items):
        y = 10 + i * row
        text = "–" if value is None else f"{value}{unit}"
        length = 0 if value is None or not maximum else bar_w * min(value, maximum) / maximum
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="12" fill="{TEXT}">'
            f"{escape(str(label)[:22])}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="14" fill="{SOFT}"/>'
            f'<rect x="{label_w}" y="{y + 3}" width="{length:.1f}" height="14" fill="{BAR}"/>'
            f'<text x="{label_w + bar_w + 4}" y="{y + 14}" font-size="12" fill="{TEXT}">'
            f"{escape(text)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(items, title, width=340, height=150):
    """Vertical bars with their value above: items are (label, count)."""
    count = max(len(items), 1)
    top = max([v for _, v in items] + [1])
    slot = (width - 10) / count
    parts = _opening("c", items, title, width, height + 30)
    for i, (label, value) in enumerate(items):
        h = (height - 20) * value / top
        x = 5 + i * slot
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{height - h:.1f}" width="{slot - 4:.1f}" height="{h:.1f}" '
            f'fill="{BAR}"/>'
            f'<text x="{x + slot / 2:.1f}" y="{height - h - 3:.1f}" font-size="10" '
            f'text-anchor="middle" fill="{TEXT}">{value}</text>'
            f'<text x="{x + slot / 2:.1f}" y="{height + 14}" font-size="9" text-anchor="middle" '
            f'fill="{TEXT}">{escape(str(label))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
