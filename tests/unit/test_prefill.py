"""What a write request already says for the Email tab (coach/email/prefill.py)."""

from __future__ import annotations

import pytest

from coach.email import prefill as pf


@pytest.mark.parametrize(("message", "name"), [
    ("can you write me an email to dr. patel (she's a pediatrician)", "Dr. Patel"),
    ("pls write an email to dr. van der berg asking to be my mentor. UW", "Dr. van der Berg"),
    ("help me write to Dr. Nguyen-Tran about research", "Dr. Nguyen-Tran"),
    ("email to dr. kwame asante asking to meet", "Dr. Asante"),
    ("write to professor yamamoto about being a mentor", "Professor Yamamoto"),
    ("can you write a short email asking a professor if there are openings?", None),
    ("Draft a message to Hannah, an M3, asking whether she'd peer mentor me", "Hannah"),
])
def test_the_mentors_name(message, name):
    assert pf.mentor_name(message) == name


@pytest.mark.parametrize(("message", "field"), [
    ("He's an anesthesiologist. I'm more interested in IM", "anesthesiology"),
    ("ugh i emailed dr. garcia-lopez. shes a peds cardiologist", "pediatric cardiology"),
    ("write to dr fitzgerald. ENT. met at grand rounds", "otolaryngology"),
    ("im an ms1 interested in peds, can you write to dr. kim", None),
    ("can you write an email to dr lee? im so nervous", None),
])
def test_the_mentors_field_not_the_students(message, field):
    assert pf.mentor_field(message) == field


def test_only_the_shipped_fields_reach_the_email_tab(monkeypatch):
    monkeypatch.setattr(pf, "mentor_context", lambda *a, **k: "we met at the lunch")
    found = pf.for_email_tab("write an email to dr. patel, she's a pediatrician")
    assert found is not None and found.field == "pediatrics"
    assert found.mentor_name is None and found.context is None  # measured, not shipped
    assert pf.described(found) == "their field (pediatrics)"
    assert pf.for_email_tab("write an email to a doctor") is None


def test_a_bad_specialties_file_names_the_field(monkeypatch):
    from coach.errors import ConfigError

    pf._fields.cache_clear()
    monkeypatch.setattr(pf, "load_data", lambda *a: pf.Specialties(fields={"derm": ["(derm"]}))
    try:
        with pytest.raises(ConfigError, match=r"specialties.yaml: fields.derm: invalid"):
            pf._fields()
    finally:
        pf._fields.cache_clear()


@pytest.mark.parametrize(("message", "field"), [
    ("I met dr. lee on my peds rotation; he's a cardiologist", "cardiology"),
    ("I'm hoping for a mentor in cardiology... she's a nephrologist", "nephrology"),
    ("dr pham hes a GI doc", "gastroenterology"),
    ("I forgot my student ID", None), ("i have an allergy question", None),
    ("I do cardio every morning", None), ("I met her in the ICU", None),
])
def test_a_field_said_of_the_mentor_and_words_that_are_not_fields(message, field):
    """A review found the student's rotation, a student ID, an allergy and cardio read as the
    mentor's field."""
    assert pf.mentor_field(message) == field
