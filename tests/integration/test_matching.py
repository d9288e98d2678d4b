"""Chapter matching: questionnaire import, weights, scoring, assignment and hard constraints.

The synthetic-roster test uses the real embedder on 200 students (seed 2026; the default
weights were chosen on seed 17, see coach/matching/weights.yaml). The rest use a fake embedder.
"""

from __future__ import annotations

import logging
from collections import Counter

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from benchmarks.synthetic_roster import synthetic_roster
from coach.errors import InputError
from coach.matching.assign import Constraints, match
from coach.matching.roster import TEMPLATE, load_roster, parse_roster, to_csv
from coach.matching.score import shared_terms
from coach.matching.weights import Weights, load_weights

HEADER = "name,class_year,role,interests,what_matters,favourite_things,availability,capacity\n"
FAKE = DeterministicFakeEmbedding(size=32)


def roster(*rows: str):
    return parse_roster(HEADER + "\n".join(rows) + "\n")


@pytest.fixture(scope="module")
def synthetic_match():
    """200 students, with 5 planted pairs forbidden, a swap fixed and 3 students opted out."""
    data = synthetic_roster(seed=2026)
    planted = data.planted
    opted = {planted[7][1], planted[8][1], planted[9][0]}
    for row in data.rows:
        if row["name"] in opted:
            row["opt_out"] = "yes"
    broken = [["Broken Row", "", "MS9", "mentee"], ["No Role", "", "MS1", ""]]
    text = data.csv_text() + "".join(",".join(r + [""] * 10) + "\n" for r in broken)
    parsed = parse_roster(text)
    constraints = Constraints(forbidden=planted[:5],
                              fixed=[(planted[5][0], planted[6][1]),
                                     (planted[6][0], planted[5][1])])
    from coach.embeddings import get_embeddings

    result = match(parsed.students, get_embeddings(), Weights(), constraints)
    return data, parsed, constraints, opted, result


def test_synthetic_roster_recovers_planted_pairs(synthetic_match) -> None:
    data, _, _, _, result = synthetic_match
    made = {(p.mentor, p.mentee) for p in result.pairs}
    untouched = data.planted[10:]  # the first ten are forbidden, fixed apart or opted out
    recovered = sum(pair in made for pair in untouched) / len(untouched)
    print(f"planted pairs recovered: {recovered:.3f} of {len(untouched)}")  # shown with -s
    assert recovered >= 0.90, f"recovered {recovered:.1%} of {len(untouched)} planted pairs"


def test_synthetic_roster_respects_every_hard_constraint(synthetic_match) -> None:
    data, parsed, constraints, opted, result = synthetic_match
    rows = {s.name: s for s in parsed.students}
    made = {(p.mentor, p.mentee) for p in result.pairs}
    assert not any(pair in made or pair[::-1] in made for pair in constraints.forbidden)
    assert all(pair in made for pair in constraints.fixed)
    assert all(p.fixed == ((p.mentor, p.mentee) in constraints.fixed) for p in result.pairs)
    paired = {p.mentor for p in result.pairs} | {p.mentee for p in result.pairs}
    assert not paired & opted
    assert {u.name for u in result.unmatched if u.reason == "opted out"} == opted
    assert all(rows[p.mentor].class_year > rows[p.mentee].class_year for p in result.pairs)
    assert all(p.mentor_year == p.mentee_year + 1 for p in result.pairs)  # nearest class above
    load = Counter(p.mentor for p in result.pairs)
    assert all(count <= rows[name].capacity for name, count in load.items())
    assert max(Counter(p.mentee for p in result.pairs).values()) == 1
    # Every MS1 who asked for a mentor has one (89 MS2 mentors for 88 MS1 mentees).
    ms1 = {s.name for s in parsed.students if s.class_year == 1 and not s.opt_out}
    assert ms1 <= {p.mentee for p in result.pairs}
    # The chain: every MS2 mentor with a mentee has a mentor in MS3.
    ms2_mentors = {p.mentor for p in result.pairs if p.mentor_year == 2}
    chain = {p.mentee: p.mentor for p in result.pairs if p.kind == "chain"}
    assert ms2_mentors and ms2_mentors <= set(chain)
    assert all(name in data.chain_mentors for name in chain.values())


def test_malformed_rows_are_kept_aside_and_the_rest_matches(synthetic_match) -> None:
    data, parsed, _, _, result = synthetic_match
    assert len(parsed.students) == len(data.rows) == 200
    assert [(e.row, e.name) for e in parsed.errors] == [(202, "Broken Row"), (203, "No Role")]
    assert "class_year: 'MS9' is not a class year" in parsed.errors[0].message
    assert "role: '' is not a role: use mentor, mentee or both" in parsed.errors[1].message
    assert parsed.errors[0].values["name"] == "Broken Row"  # nothing lost
    assert len(result.pairs) > 150


def test_every_pair_has_a_score_and_readable_reasons(synthetic_match) -> None:
    _, _, _, _, result = synthetic_match
    for pair in result.pairs:
        assert 0 <= pair.score <= 100 and set(pair.parts) == {
            "text", "words", "interests", "availability", "background", "school"}
        assert pair.reasons and all(r and r[0].islower() for r in pair.reasons)
    assert sum("both interested in" in " ".join(p.reasons) for p in result.pairs) > 100


def test_logs_hold_no_names(caplog: pytest.LogCaptureFixture) -> None:
    parsed = roster("Alexandra Quill,MS1,mentee,pediatrics", "Bartholomew Finch,MS2,mentor,")
    with caplog.at_level(logging.DEBUG):
        result = match(parsed.students, FAKE)
    assert len(result.pairs) == 1
    assert caplog.records and not any(
        n in caplog.text for n in ("Alexandra", "Quill", "Bartholomew", "Finch"))


def test_reasons_name_what_the_two_share() -> None:
    parsed = roster('Ana Ruiz,MS1,mentee,pediatrics; surgery,"My family, my faith",'
                    '"Hiking, baking",weekday evenings',
                    'Ben Ode,MS2,mentor,Pediatrics,"Family and honesty","Hiking with my dog",'
                    '"Weekday evenings; sunday"')
    pair = match(parsed.students, FAKE).pairs[0]
    assert pair.reasons[:3] == ["both interested in pediatrics", "both value family",
                                "both enjoy hiking"]
    assert "both free weekday evenings" in pair.reasons
    assert shared_terms("Running marathons and books", "a book, running") == ["running", "books"]


def test_capacity_places_two_mentees_with_one_mentor() -> None:
    parsed = roster("A One,MS1,mentee,,,,,", "B Two,MS1,mentee,,,,,", "C Three,MS2,mentor,,,,,2",
                    "D Four,MS2,mentor,,,,,0")
    result = match(parsed.students, FAKE)
    assert sorted((p.mentor, p.mentee) for p in result.pairs) == [("C Three", "A One"),
                                                                 ("C Three", "B Two")]


def test_forbidden_only_option_leaves_the_mentee_unmatched_with_a_reason() -> None:
    parsed = roster("A One,MS1,mentee", "B Two,MS1,mentee", "C Three,MS2,mentor")
    result = match(parsed.students, FAKE, constraints=Constraints(
        forbidden=[("a one", "C THREE")]))
    assert [(p.mentor, p.mentee) for p in result.pairs] == [("C Three", "B Two")]
    assert [(u.name, u.reason) for u in result.unmatched] == [
        ("A One", "not enough mentor places in MS2")]


def test_same_class_is_never_paired_even_when_no_one_else_is_left() -> None:
    parsed = roster("A One,MS2,mentee", "B Two,MS2,mentor", "C Three,MS1,both")
    result = match(parsed.students, FAKE)
    assert [(p.mentor, p.mentee) for p in result.pairs] == [("B Two", "C Three")]
    assert {u.name for u in result.unmatched} == {"A One"}


@pytest.mark.parametrize(("fixed", "message"), [
    (("B Two", "A One"), "higher class"),
    (("Zed Nobody", "A One"), "Zed Nobody is not on the roster"),
    (("C Three", "D Four"), "D Four opted out"),
])
def test_impossible_fixed_pairs_are_clear_errors(fixed, message) -> None:
    parsed = parse_roster("name,class_year,role,opt_out\nA One,MS1,mentee,\nB Two,MS1,mentor,\n"
                          "C Three,MS2,mentor,\nD Four,MS1,mentee,yes\n")
    with pytest.raises(InputError, match=message):
        match(parsed.students, FAKE, constraints=Constraints(fixed=[fixed]))


def test_template_parses_and_round_trips() -> None:
    parsed = load_roster(TEMPLATE)
    assert not parsed.errors and len(parsed.students) == 2
    assert parse_roster(to_csv(parsed.students)).students == parsed.students


def test_forms_export_headers_bom_and_semicolons() -> None:
    text = ("\ufeffTimestamp;Full name;Class year (MS1/MS2);Role sought;Interests / specialties;"
            "What matters to you?;Pet\n2026-08-01;Ana Ruiz;first year;Mentee (first-years);"
            "Pediatrics, EM;family;cat\n")
    parsed = parse_roster(text)
    assert not parsed.errors and parsed.ignored_columns == ["Pet"]
    student = parsed.students[0]
    assert (student.name, student.class_year, student.role) == ("Ana Ruiz", 1, "mentee")
    assert student.interests == ["pediatrics", "em"] and student.what_matters == "family"


def test_roster_file_level_errors() -> None:
    with pytest.raises(InputError, match="no column for: class_year, role"):
        parse_roster("name,email\nA,a@b.co\n")
    with pytest.raises(InputError, match="empty"):
        parse_roster("")
    bad = parse_roster("name,class_year,role,preferences,email,capacity\n"
                       "A,MS1,mentee,tall people,not-an-email,-1\n")
    assert bad.errors[0].problems == [
        "email: 'not-an-email' is not a valid email address",
        "preferences: 'tall people' is not a known preference: use same school, shared "
        "background, shared interests, same availability (separated by ';')",
        "capacity: Input should be greater than or equal to 0"]


def test_weights_file_errors_name_the_file_and_field(tmp_path) -> None:
    assert load_weights() == Weights()  # the shipped YAML states the model's defaults
    path = tmp_path / "w.yaml"
    path.write_text("text: 0.5\nintrests: 0.2\nschool: -1\n")
    with pytest.raises(InputError) as info:
        load_weights(path)
    assert str(path) in str(info.value) and "intrests: unknown weight" in str(info.value)
    assert "school: Input should be greater than or equal to 0" in str(info.value)
    path.write_text("text: [1\n")
    with pytest.raises(InputError, match="not valid YAML"):
        load_weights(path)
