"""Finding fields come from logs an attacker can influence (a user agent, a crafted principal
name, a finding id): before they reach a spreadsheet or a terminal they are made inert there.
(The HTML page escapes them itself; the JSON file keeps them exact.)"""

from __future__ import annotations

import unicodedata

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(text: str) -> str:
    """The text, prefixed with an apostrophe where a spreadsheet would run it as a formula (the
    OWASP CSV-injection advice): the cell then shows the text instead of evaluating it."""
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def terminal_text(text: str) -> str:
    """The text without control and format characters (escape sequences, carriage returns,
    bidirectional overrides), which could rewrite or disguise what the terminal shows."""
    return "".join(char for char in text if unicodedata.category(char) not in ("Cc", "Cf"))
