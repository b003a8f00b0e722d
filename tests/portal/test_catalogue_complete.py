"""Every French string the code and templates mark for translation has its English entry.

The catalogues are written by hand (no gettext on a fresh machine), so a new
string is easily forgotten and English visitors would read French. This
reads the literal strings marked in Python (`_()`, `gettext()`…) and in
templates (`{% translate %}`, `{% blocktranslate %}`) and looks each up.
"""

import ast
import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portal", "home", "markets", "shops", "checkout", "templates")
# Which positional arguments of each gettext function are messages (pgettext's first is its context).
MESSAGE_ARGUMENTS = {"_": (0,), "gettext": (0,), "gettext_lazy": (0,), "pgettext": (1,), "pgettext_lazy": (1,)}
TRANSLATE = re.compile(r"""\{%\s*translate\s+(?P<q>["'])(?P<s>.*?)(?P=q)""")
BLOCK = re.compile(
    r"\{%\s*blocktranslate(?P<args>[^%]*)%\}(?P<s>.*?)\{%\s*(?:plural|endblocktranslate)\s*%\}", re.S
)


def english_ids() -> set[str]:
    with (ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po").open("rb") as po:
        return {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(po, locale="en") if m.id}


def python_marked(source: str):
    """The literal messages of gettext calls, read by Python's parser: a message split over lines
    ("…" "…") is one string, as gettext sees it."""
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        positions = MESSAGE_ARGUMENTS.get(node.func.id, ())
        for position in positions:
            if position < len(node.args):
                argument = node.args[position]
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    yield argument.value


def marked_strings():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                for text in python_marked(path.read_text()):
                    yield path, text
        # Templates: pages in .html, e-mail bodies and subjects in .txt as well.
        for path in [*(ROOT / app).rglob("*.html"), *(ROOT / app).rglob("*.txt")]:
            text = path.read_text()
            for match in TRANSLATE.finditer(text):
                yield path, match.group("s")
            for match in BLOCK.finditer(text):
                source = match.group("s")
                if "trimmed" in match.group("args"):
                    source = " ".join(source.split())
                # As Django writes a block for gettext: variables become %(name)s, a lone % is doubled.
                source = re.sub(r"%(?!\()", "%%", source)
                yield path, re.sub(r"\{\{\s*(\w+)\s*\}\}", r"%(\1)s", source)


def test_every_marked_string_has_an_english_entry():
    known = english_ids()
    missing = sorted({f"{path.relative_to(ROOT)}: {text}" for path, text in marked_strings() if text not in known})
    assert missing == []
