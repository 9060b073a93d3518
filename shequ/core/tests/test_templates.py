"""Rules every template keeps, checked on the files themselves."""

import re
from pathlib import Path

SHEQU = Path(__file__).resolve().parents[2]


def test_every_dense_table_scrolls_in_its_own_box():
    """A dense table keeps each cell on one line, so on a phone it is wider than the
    screen: inside <div class="scroll"> it scrolls by itself; outside, the whole page is
    pushed wider and its last columns (the buttons) are off the screen."""
    loose = []
    for path in sorted(SHEQU.glob("**/templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r'<table class="dense', text):
            if not re.search(r'<div class="scroll">\s*$', text[: match.start()]):
                loose.append(f"{path.relative_to(SHEQU)}:{text.count(chr(10), 0, match.start()) + 1}")
    assert loose == []
    assert any(SHEQU.glob("**/templates/**/agenda.html"))  # the glob finds the templates
