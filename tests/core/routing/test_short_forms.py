"""A long note has a short form for short answers: the same fact in fewer words, with no number it does not
have in full (facts are never invented), in both languages."""
import re

import pytest

from core.routing import default_router

FACTS = default_router().facts
LONG_EN, LONG_ZH = 200, 100          # a note longer than this in either language has a short form
WITH_SHORT = [n for n in FACTS.notes.values() if n.short is not None]


def test_every_long_note_has_a_short_form():
    long = [n.id for n in FACTS.notes.values() if len(n.text.en) > LONG_EN or len(n.text.zh) > LONG_ZH]
    assert long and all(FACTS.notes[i].short is not None for i in long), \
        [i for i in long if FACTS.notes[i].short is None]


@pytest.mark.parametrize("note", WITH_SHORT, ids=[n.id for n in WITH_SHORT])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_short_form_says_less_and_adds_no_number(note, lang):
    full, short = note.text.get(lang), note.short.get(lang)
    assert short.strip() and len(short) <= len(full)
    assert set(re.findall(r"\d+", short)) <= set(re.findall(r"\d+", full)), (note.id, short)
    assert "http" not in short                    # the note's link is said by the answer, after the text
    if lang == "en":
        assert not re.search(r"[\u4e00-\u9fff]", short)
    else:
        assert re.search(r"[\u4e00-\u9fff]", short)
