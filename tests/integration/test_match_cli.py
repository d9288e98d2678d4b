"""`coach match` in-process: pairs, reasons, family tree and introduction drafts are written;
plus the introduction drafts themselves (guide engine, and an LLM with its fallback)."""

from __future__ import annotations

import csv
import zipfile
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from benchmarks.synthetic_roster import synthetic_roster
from coach.cli import main
from coach.matching.assign import match
from coach.matching.intro import draft_introduction, guide_tips
from coach.matching.roster import parse_roster
from coach.testing import ScriptedChatModel


@pytest.fixture
def roster_file(tmp_path) -> Path:
    data = synthetic_roster(pairs=8, upper=2, upper_capacity=4, seed=5)
    path = tmp_path / "responses.csv"
    path.write_text(data.csv_text() + "Bad Year,bad@example.edu,MS0,mentee,,,,,,,,,,\n",
                    encoding="utf-8")
    return path


def test_cli_writes_pairs_reasons_tree_and_drafts(roster_file, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    code = main(["match", "--roster", str(roster_file), "--out", str(out),
                 "--chapter", "Long School of Medicine AMWA"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "16 pairs (8 chain links, 0 fixed*), 0 not paired, 1 rows kept aside." in printed.out
    assert "kept aside: Row 20 (Bad Year): class_year: 'MS0' is not a class year" in printed.err
    with (out / "pairs.csv").open(encoding="utf-8") as handle:
        pairs = list(csv.DictReader(handle))
    assert len(pairs) == 16 and all(p["reasons"] and 0 < float(p["score"]) <= 100 for p in pairs)
    assert {p["kind"] for p in pairs} == {"mentee", "chain"}
    reasons = (out / "reasons.md").read_text(encoding="utf-8")
    assert reasons.count("\n## ") == 16 and "# Rows kept aside" in reasons
    tree = (out / "family-tree.md").read_text(encoding="utf-8")
    assert tree.startswith("# Mentorship family tree") and "\n    - **" in tree  # three levels
    kept = list(csv.DictReader((out / "row-errors.csv").open(encoding="utf-8")))
    assert kept[0]["name"] == "Bad Year" and "MS0" in kept[0]["problems"]
    with zipfile.ZipFile(out / "introductions.zip") as archive:
        names = archive.namelist()
        first = message_from_bytes(archive.read(names[0]), policy=default)
    assert len(names) == 16 and all(n.endswith(".eml") for n in names)
    assert len(first["To"].addresses) == 2
    body = first.get_content()
    assert "Long School of Medicine AMWA peer mentorship program" in body
    assert "What you share:" in body and "30-minute coffee" in body
    assert all(tip.text in body for role in ("mentee", "mentor") for tip in guide_tips()[role])


@pytest.mark.parametrize(("args", "message"), [
    (["--fix", "Only One Name"], "write it as \"Mentor Name > Mentee Name\""),
    (["--fix", "Nobody Here > Someone Else"], "Nobody Here is not on the roster"),
    (["--weights", "missing.yaml"], "Weights file not found: missing.yaml"),
])
def test_cli_bad_options_exit_2_with_one_line(roster_file, tmp_path, capsys, args, message):
    code = main(["match", "--roster", str(roster_file), "--out", str(tmp_path / "o"), *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "o" / "pairs.csv").exists()


def test_cli_missing_roster_is_a_clear_error(tmp_path, capsys) -> None:
    assert main(["match", "--roster", str(tmp_path / "nope.csv")]) == 2
    assert "Roster file not found" in capsys.readouterr().err


def _one_pair():
    roster = parse_roster("name,email,class_year,role,interests,availability\n"
                          "Ana Ruiz,ana@example.edu,MS1,mentee,pediatrics,weekday evenings\n"
                          "Ben Ode,ben@example.edu,MS2,mentor,pediatrics,weekday evenings\n")
    rows = {s.name: s for s in roster.students}
    pair = match(roster.students, DeterministicFakeEmbedding(size=8)).pairs[0]
    return pair, rows["Ben Ode"], rows["Ana Ruiz"]


def test_llm_introduction_is_used_when_it_names_both() -> None:
    pair, mentor, mentee = _one_pair()
    reply = '{"subject": "Meet your mentor", "body": "Hi Ana and Ben, you both love pediatrics."}'
    intro = draft_introduction(pair, mentor, mentee, llm=ScriptedChatModel(reply))
    assert (intro.engine, intro.subject, intro.notice) == ("llm", "Meet your mentor", None)
    assert intro.to == ["ana@example.edu", "ben@example.edu"]


@pytest.mark.parametrize("reply", ['{"subject": "Hello", "body": "Hi there, welcome!"}', None])
def test_llm_introduction_falls_back_to_the_guide(reply) -> None:
    pair, mentor, mentee = _one_pair()
    llm = ScriptedChatModel(reply or RuntimeError("model down"))
    intro = draft_introduction(pair, mentor, mentee, llm=llm)
    assert intro.engine == "guide" and intro.notice.endswith("the guide draft is shown instead.")
    assert ("did not name both students" in intro.notice) == (reply is not None)
    assert "both free weekday evenings" in intro.body.lower()
    assert intro.body.startswith("Hi Ana and Ben,")
