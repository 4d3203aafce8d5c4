"""The server-drawn charts: figures as text, for screen readers too."""

import re

from portal.reports import charts


def test_bars_carry_every_figure_in_their_description():
    svg = str(charts.hbars([("Xã A", 50), ("Xã <B>", None)], "Tỷ lệ đạt"))
    assert '<title id="t-' in svg and "Tỷ lệ đạt" in svg
    (desc,) = re.findall(r"<desc id=\"([^\"]+)\">([^<]*)</desc>", svg)
    assert desc[1] == "Xã A: 50%; Xã &lt;B&gt;: –"
    assert f'aria-describedby="{desc[0]}"' in svg


def test_columns_describe_their_counts_and_ids_never_repeat():
    first = str(charts.columns([("1/26", 3), ("2/26", 0)], "Chứng nhận"))
    second = str(charts.columns([("1/26", 3), ("2/26", 0)], "Chứng nhận"))
    assert "1/26: 3; 2/26: 0" in first
    ids = re.findall(r' id="([^"]+)"', first + second)
    assert len(ids) == len(set(ids)) == 4
