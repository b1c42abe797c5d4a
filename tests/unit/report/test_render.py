"""The picture and the HTML page."""

from __future__ import annotations

import base64
import re

import numpy as np
from report_samples import INDEX, SCORES

from secml.report import html, join, plot, threshold

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_histogram_is_a_png_even_without_guardduty_scores() -> None:
    assert plot.score_histogram(np.linspace(-1, 3, 500), np.array([-2.0, 0.5]), 0.1).startswith(PNG_SIGNATURE)
    assert plot.score_histogram(np.linspace(-1, 3, 500), np.array([]), 0.1).startswith(PNG_SIGNATURE)


def test_page_is_self_contained_sorted_and_escaped() -> None:
    hostile = INDEX.replace("Recon:IAMUser/MaliciousIPCaller", "<script>alert(1)</script>")
    findings = join.join(join.parse_index(hostile), join.parse_scores(SCORES), 0.0)
    png = plot.score_histogram(np.array([0.0, 1.0]), np.array([2.0]), 0.5)
    page = html.render("run<1>", findings, threshold.fixed(0.0), None, png)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "run&lt;1&gt;" in page
    embedded = re.search(r'src="data:image/png;base64,([^"]+)"', page)
    assert embedded and base64.b64decode(embedded.group(1)) == png
    assert not re.search(r'(src|href)="(?!data:)', page)  # nothing fetched from elsewhere
    ids = re.findall(r"<tr class=\"[^\"]+\"><td>([^<]+)</td>", page)
    assert ids == ["f-attack", "f-probe", "f-new", "f-probe", "f-benign"]
