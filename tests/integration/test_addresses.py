"""Addresses: email-validator with clear messages; the UI Draft handler never raises on any."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.config import Settings
from coach.email.addresses import is_valid_address, normalise_address
from coach.email.request import parse_request
from coach.errors import InputError
from coach.web.practice import draft_outputs

REQUEST = dict(kind="faculty", name="Priya Nair", year="MS2", school="Lakeview School of Medicine",
               email="pnair@lakeview.edu", goals="Get research experience in cardiology",
               role="", background="", mentor="Samuel Okafor", title="Dr.", field="Cardiology",
               focus="heart failure readmissions", times="Tuesdays after 3pm", context="")
# The coach as the handler sees it: its settings and no LLM.
GUIDE_ONLY = SimpleNamespace(llm_engine=None, settings=Settings())


def form(**changes: str) -> tuple:
    values = {**REQUEST, **changes}
    return tuple(values[k] for k in REQUEST)


@pytest.mark.parametrize("address", ["pnair@lakeview.edu", "Priya.Nair+mentor@med.example.org"])
def test_valid_addresses_are_kept(address):
    assert normalise_address(address).lower() == address.lower()
    assert is_valid_address(address)


@pytest.mark.parametrize("address", ["aisha rahman@hillcrest.edu", "pnair@", "@lakeview.edu",
                                     "pnair@@lakeview.edu", "a" * 300 + "@x.edu", "", "p nair"])
def test_invalid_addresses_get_one_clear_sentence(address):
    with pytest.raises(InputError) as err:
        normalise_address(address)
    assert "valid email address" in str(err.value) or "empty" in str(err.value) \
        or "longer" in str(err.value)
    assert not is_valid_address(address)


def test_request_with_a_bad_student_address_names_the_field():
    data = {"kind": "peer", "student": {"name": "Aisha Rahman", "year": "MS1",
                                        "school": "Hillcrest",
                                        "email": "aisha rahman@hillcrest.edu", "goals": ["x"]},
            "mentor": {"name": "Jordan Pierce", "field": "MS2 student", "focus": "anatomy"},
            "times": ["weeknights"]}
    with pytest.raises(InputError) as err:
        parse_request(data)
    assert "student.email" in str(err.value) and "not a valid email address" in str(err.value)


def test_draft_handler_with_a_bad_address_explains_instead_of_crashing():
    out = draft_outputs(GUIDE_ONLY, *form(email="aisha rahman@hillcrest.edu"), "")
    assert "Cannot draft yet" in out[2] and "Your email" in out[2]  # the form's label


def test_draft_handler_drafts_and_drops_an_unusable_to_address():
    out = draft_outputs(GUIDE_ONLY, *form(), "okafor@@lakeview")
    assert out[0] and "Dear Dr. Okafor" in out[1]
    assert "To:" not in out[4] and "From:" in out[4]


ADDRESSES = st.one_of(st.emails(), st.text(max_size=80),
                      st.from_regex(r"[^@\s]{0,20}@[^@\s]{0,20}(\.[a-z]{0,4})?", fullmatch=True))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(student=ADDRESSES, to=ADDRESSES)
def test_draft_handler_never_raises_on_generated_addresses(student, to):
    out = draft_outputs(GUIDE_ONLY, *form(email=student), to)
    assert len(out) == 8
    if is_valid_address(student):
        assert "Dear Dr. Okafor" in out[1]
    else:
        assert "Cannot draft yet" in out[2]


def test_lookalike_letters_from_another_alphabet_are_refused():
    from coach.email.addresses import is_valid_address, normalise_address

    assert not is_valid_address("chloe@wake\u0435du.org")  # Cyrillic 'е' in a Latin address
    assert is_valid_address("chloe@wakehealth.edu")
    with pytest.raises(InputError, match="mixes alphabets"):
        normalise_address("a@b\u0435c.edu")
