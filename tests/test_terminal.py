"""Arabic in a terminal: bidi mode, visual reordering, wrapping, highlights; the CLI in a pty."""

from __future__ import annotations

import io
import json
import os
import re
import sys
from pathlib import Path

import pytest
from bidi import get_display
from test_cli import run

from searchkit.analysis.tokenizer import WORD_PATTERN
from searchkit.snippets import QueryTerms, TerminalFormatter, make_snippet
from searchkit.terminal import (
    BOLD,
    HIGHLIGHT,
    MARKERS,
    BidiMode,
    Layout,
    Marked,
    display_width,
    is_rtl,
    marked_snippet,
    resolve_bidi,
    terminal_bidi,
    visual,
    whole_words,
)

SEED_ID = "kim-jong-un-russia-visit-2023.txt"
LINE = "وصل الزعيم الكوري كيم جونغ أون إلى روسيا في 12 سبتمبر 2023 على متن قطاره"
DIACRITIZED = ("وَصَلَ الزَّعِيمُ الكُورِيُّ إِلَى رُوسْيَا، وَالتَقَى الرَّئِيسَ بُوتِين فِي "
               "قَاعِدَةِ فُوسْتُوشْنِي الفَضَائِيَّةِ وَنَاقَشَا صَوَارِيخَ فَرْطَ صَوْتِيَّةٍ")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def highlighted(line: str) -> list[str]:
    """The visual strings between [[ and ]] in a line."""
    return re.findall(r"\[\[(.*?)\]\]", line)


# --- reordering -----------------------------------------------------------------------


def test_pure_arabic_line_is_reversed() -> None:
    text = "كيم جونغ أون يصل إلى روسيا"
    shown, index = visual(text, rtl=True)
    assert shown == text[::-1]
    assert index == list(range(len(text)))[::-1]


def test_numbers_and_latin_stay_left_to_right_inside() -> None:
    text = "وصل Kim Jong Un إلى روسيا في 12 سبتمبر 2023"
    shown, _ = visual(text, rtl=True)
    assert shown.startswith("2023 ربمتبس 12 يف ايسور ىلإ Kim Jong Un لصو")
    assert shown == get_display(text, base_dir="R")


@pytest.mark.parametrize("text", [
    LINE, "Putin met كيم جونغ أون in Vladivostok on 13 September",
    "قال: الصداقة - 2023/09/13، ثم غادر.", "abcد هـ", "العدد ٣٫٥ مليون و 1,000 دولار",
])
def test_same_order_as_python_bidi(text: str) -> None:
    shown, index = visual(text, is_rtl(text))
    assert shown == get_display(text, base_dir="R" if is_rtl(text) else "L")
    assert "".join(text[i] for i in index) == shown
    assert sorted(index) == list(range(len(text)))


def test_marks_stay_on_their_letters() -> None:
    word = "وَالصَّوَارِيخُ"
    shown, _ = visual(word, rtl=True)
    clusters = re.findall(r".[\u064b-\u0652]*", word)
    # Letters reversed, each with its marks after it (a terminal puts a mark on the cell
    # before it); python-bidi alone puts the marks first.
    assert shown == "".join(reversed(clusters))
    assert get_display(word).startswith("\u064f")


def test_brackets_are_mirrored_in_right_to_left_runs() -> None:
    shown, _ = visual("التقى (كيم) بوتين وقال: «الصداقة»", rtl=True)
    assert "(ميك)" in shown and "«ةقادصلا»" in shown  # python-bidi alone gives )ميك(
    assert visual("Kim (Jong Un) met him", rtl=False)[0] == "Kim (Jong Un) met him"


def test_paragraph_direction_follows_most_letters() -> None:
    assert is_rtl("Kim Jong Un يصل إلى روسيا في زيارة")
    assert not is_rtl("Putin met كيم in Vladivostok")
    assert not is_rtl("2023 | score 1.36")


# --- highlights ---------------------------------------------------------------------


def test_highlights_cover_the_same_characters_after_reordering() -> None:
    words = ["الزعيم", "كيم", "روسيا", "2023"]
    spans = tuple(sorted((LINE.index(w), LINE.index(w) + len(w)) for w in words))
    for width in (None, 24, 40, 200):
        lines = Layout(width, visual=True).lines(Marked(LINE, spans), MARKERS)
        shown = [w for line in lines for w in highlighted(line)]
        assert sorted(shown) == sorted(visual(w, rtl=True)[0] for w in words)
    # Colour codes likewise surround exactly the marked words.
    (line,) = Layout(None, visual=True).lines(Marked(LINE, spans), HIGHLIGHT)
    coloured = re.findall(r"\x1b\[1;31m(.*?)\x1b\[0m", line)
    assert sorted(coloured) == sorted(visual(w, rtl=True)[0] for w in words)
    assert ANSI.sub("", line) == visual(LINE, rtl=True)[0]


def test_highlight_widens_to_whole_words() -> None:
    text = "والصواريخ الروسية"
    assert whole_words(text, [(2, 9)]) == ((0, 9),)  # the clitic و and article join in
    assert whole_words(text, [(0, 3), (5, 12)]) == ((0, 17),)
    (line,) = Layout().lines(Marked(text, ((2, 9),)), HIGHLIGHT)
    assert line == "\x1b[1;31mوالصواريخ\x1b[0m الروسية"


def test_escape_codes_never_stand_between_two_letters() -> None:
    spans = tuple((i, i + 3) for i in range(0, len(DIACRITIZED) - 3, 7))
    for layout in (Layout(), Layout(30), Layout(30, visual=True)):
        for line in layout.lines(Marked(DIACRITIZED, spans), HIGHLIGHT):
            for code in ANSI.finditer(line):
                before = ANSI.sub("", line[:code.start()])[-1:]
                after = ANSI.sub("", line[code.end():])[:1]
                assert not (WORD_PATTERN.fullmatch(before) and WORD_PATTERN.fullmatch(after))


def test_snippet_spans_read_back_unchanged() -> None:
    text = "اختتم الزعيم الكوري كيم زيارة لروسيا. وقال كيم إن العلاقات مع روسيا قوية."
    snippet = make_snippet(text, QueryTerms(exact=frozenset({"كيم", "روسيا"})))
    marked = marked_snippet(snippet)
    assert Layout().lines(marked, MARKERS, prefix="   ") == ["   " + str(snippet)]
    assert Layout().lines(marked, HIGHLIGHT) == [snippet.render(TerminalFormatter())]
    assert [marked.text[s:e] for s, e in marked.spans] == ["كيم", "كيم", "روسيا"]


def test_internal_markers_in_a_document_are_dropped() -> None:
    snippet = make_snippet("كيم \ufdd0زار\ufdd1 روسيا", QueryTerms(exact=frozenset({"روسيا"})))
    marked = marked_snippet(snippet)
    assert marked.text == "كيم زار روسيا" and marked.spans == ((8, 13),)


# --- wrapping -----------------------------------------------------------------------


def test_display_width_counts_marks_as_nothing() -> None:
    assert display_width("صَوَارِيخُ") == 6
    assert display_width("\u200dكيم\u200f") == 3
    assert display_width("漢字") == 4


@pytest.mark.parametrize("rtl_layout", [False, True])
def test_wrapping_keeps_words_whole_and_lines_within_the_width(rtl_layout: bool) -> None:
    words = DIACRITIZED.split()
    spans = tuple((m.start(), m.end()) for m in re.finditer(r"\S*صو\S*", DIACRITIZED))
    for width in range(12, 90, 7):
        for style in (MARKERS, HIGHLIGHT, None):
            lines = Layout(width, visual=rtl_layout).lines(
                Marked(DIACRITIZED, spans), style, prefix="1. ", indent="   ")
            assert all(display_width(ANSI.sub("", line)) <= width for line in lines)
            rows = [ANSI.sub("", line).replace("[[", "").replace("]]", "") for line in lines]
            shown = [w for row in rows for w in row[3:].split()]
            expected = [visual(w, True)[0] for w in words] if rtl_layout else words
            if rtl_layout:  # each row reads right to left: its words come out reversed
                shown = [w for row in rows for w in reversed(row[3:].split())]
            assert shown == expected
    # Marks are zero width: rows hold more characters than cells.
    assert any(len(row) > 30 for row in Layout(30).lines(Marked(DIACRITIZED)))


def test_right_to_left_rows_align_right() -> None:
    rows = Layout(30, visual=True).lines(Marked(LINE), prefix="   ")
    assert all(display_width(row) == 30 for row in rows)
    assert rows[-1].startswith("    ")
    assert Layout(30, visual=True).lines(Marked("score 1.36"), prefix="   ") == [
        "   score 1.36"]


def test_a_word_wider_than_the_line_is_cut_between_letters() -> None:
    word = "فلاديفوستوك" * 4
    rows = Layout(16).lines(Marked(f"في {word} اليوم", ((3, 3 + len(word)),)), MARKERS)
    assert all(display_width(row) <= 16 for row in rows)
    assert "".join(w for row in rows for w in highlighted(row)) == word


def test_rows_with_a_word_of_two_directions_still_fit() -> None:
    # "abcد" shows as two marked runs (abc ... د) in a right-to-left row: a second
    # pair of markers; the row gives a word to the next one instead of overflowing.
    text = "abcد هـ abcد هـ abcد هـ"
    spans = tuple((m.start(), m.end()) for m in re.finditer("abcد", text))
    for width in range(MARKERS.cells + 8, 30):
        for row in Layout(width, visual=True).lines(Marked(text, spans), MARKERS):
            assert display_width(row) <= width


def test_body_paragraphs_are_laid_out_one_by_one() -> None:
    body = "السطر الأول\n\nالسطر الثاني"
    assert Layout().paragraphs(body) == [body]
    assert Layout(40).paragraphs(body) == ["السطر الأول", "", "السطر الثاني"]
    assert Layout(20, visual=True).paragraphs(body)[0].endswith("لوألا رطسلا")


def test_bold_title_and_plain_line() -> None:
    (line,) = Layout(80).lines(Marked("قمة", ((0, 3),)), BOLD, prefix="1. ")
    assert line == "1. \x1b[1mقمة\x1b[0m"
    assert Layout(visual=True).line("صاروخ") == "خوراص"
    assert Layout().line("صاروخ") == "صاروخ"


# --- mode -------------------------------------------------------------------------


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("environ", "name"), [
    ({"VTE_VERSION": "7600"}, "VTE"), ({"VTE_VERSION": "5800"}, "VTE"),
    ({"VTE_VERSION": "5603"}, None), ({"KONSOLE_VERSION": "230805"}, "Konsole"),
    ({"MLTERM": "3.9.3"}, "mlterm"), ({"TERM": "mlterm-256color"}, "mlterm"),
    ({"TERM_PROGRAM": "Apple_Terminal"}, "Terminal.app"), ({"TERM_PROGRAM": "mintty"}, "mintty"),
    ({"TERM_PROGRAM": "iTerm.app"}, None), ({"TERM": "xterm-256color"}, None),
    ({"TERM_PROGRAM": "tmux", "TERM": "tmux-256color"}, None),
])
def test_terminals_that_do_their_own_bidi(environ: dict[str, str], name: str | None) -> None:
    assert terminal_bidi(environ) == name


def test_resolve_bidi() -> None:
    xterm, vte = {"TERM": "xterm"}, {"VTE_VERSION": "7600"}
    assert resolve_bidi(BidiMode.AUTO, Tty(), xterm) is True
    assert resolve_bidi(BidiMode.AUTO, Tty(), vte) is False
    assert resolve_bidi(BidiMode.AUTO, io.StringIO(), xterm) is False  # piped
    assert resolve_bidi(BidiMode.ON, io.StringIO(), vte) is True
    assert resolve_bidi(BidiMode.OFF, Tty(), xterm) is False


def test_layout_for_a_pipe_keeps_lines_as_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "50")
    assert Layout.for_stream(io.StringIO(), BidiMode.AUTO, {}) == Layout(None, False)
    assert Layout.for_stream(io.StringIO(), BidiMode.ON, {}) == Layout(50, True)
    assert Layout.for_stream(Tty(), BidiMode.AUTO, {"VTE_VERSION": "7600"}) == Layout(50)


# --- the CLI ----------------------------------------------------------------------


def test_piped_output_with_bidi_on_json_untouched(seed_index: Path) -> None:
    ix = str(seed_index)
    done = run("search", "بوتين", "--index", ix, "--bidi", "on", env={"COLUMNS": "60"})
    assert "[[نيتوب]]" in done.stdout and "\x1b[" not in done.stdout
    assert all(display_width(line) <= 60 for line in done.stdout.splitlines())
    data = run("search", "بوتين", "--index", ix, "--json", env={"SEARCHKIT_BIDI": "on"})
    assert "[[بوتين]]" in json.loads(data.stdout)[0]["snippet"]
    cells = run("analyze", "وَالصَّواريخُ", "--bidi", "on").stdout.split()
    assert cells == ["خُيراوصَّلاوَ", "خيراوصلاو", "خوراص"]
    bad = run("analyze", "x", env={"SEARCHKIT_BIDI": "sideways"})
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def spawn(*args: str, environ: dict[str, str], columns: int = 50) -> bytes:
    """Run the CLI in a pseudo-terminal of ``columns`` columns; the bytes it printed."""
    pexpect = pytest.importorskip("pexpect")
    env = {k: v for k, v in os.environ.items()
           if k not in ("VTE_VERSION", "KONSOLE_VERSION", "MLTERM", "TERM_PROGRAM", "NO_COLOR",
                        "SEARCHKIT_BIDI")}
    env.update({"TERM": "xterm-256color", "COLUMNS": str(columns), **environ})
    child = pexpect.spawn(sys.executable, ["-m", "searchkit", *args], env=env,
                          dimensions=(40, columns), timeout=60)
    out = child.read()
    child.close()
    assert child.exitstatus == 0, out
    return out


def test_cli_in_a_pseudo_terminal(seed_index: Path) -> None:
    search = ("search", "كيم بوتين", "--index", str(seed_index), "--limit", "1")
    on = spawn(*search, environ={}).decode()  # auto on an xterm: reordered
    off = spawn(*search, "--bidi", "off", environ={}).decode()
    vte = spawn(*search, environ={"VTE_VERSION": "7600"}).decode()  # auto, VTE does bidi
    for out in (on, off, vte):
        assert "\x1b[1;31m" in out and "\x1b[1m" in out  # coloured on a terminal
        lines = ANSI.sub("", out).replace("\r\n", "\n").splitlines()
        assert all(display_width(line) <= 50 for line in lines), lines
    assert "\x1b[1;31mنيتوب\x1b[0m" in on and "بوتين" not in ANSI.sub("", on)
    assert "\x1b[1;31mبوتين\x1b[0m" in off and "نيتوب" not in ANSI.sub("", off)
    assert vte == off
    assert len([line for line in off.splitlines() if line.startswith("   ")]) > 3  # wrapped
