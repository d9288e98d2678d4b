"""`coach email` and `coach check-email`, run in-process through `coach.cli.main()`."""

from __future__ import annotations

import io
import json
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import pytest
import yaml

from coach.cli import main

CASES = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "evals" / "email_cases.yaml").read_text())
REQUEST = next(c for c in CASES if c["id"] == "faculty-three-times-accents")["request"]


class _Verdict:
    def __init__(self, kind: str) -> None:
        self.kind = kind


@pytest.fixture(autouse=True)
def safe_classifier(monkeypatch):
    """The safety gate has its own tests; here it says "ok" so drafts don't load embeddings."""
    import coach.safety

    monkeypatch.setattr(coach.safety, "classify", lambda text: _Verdict("ok"))


@pytest.fixture
def request_file(tmp_path) -> Path:
    path = tmp_path / "request.yaml"
    path.write_text(yaml.safe_dump(REQUEST, allow_unicode=True), encoding="utf-8")
    return path


def test_email_plain(request_file, capsys):
    assert main(["email", "--request", str(request_file)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Subject: Request for Mentorship Meeting\n\nDear Dr. Raman,")
    assert "Zoë O'Connor" in out and "Checklist (13 of 13 passed):" in out
    assert "  ✓ facts:" in out and "✗" not in out


def test_email_json_shape(request_file, capsys):
    assert main(["email", "--request", str(request_file), "--json", "--engine", "guide"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"subject", "body", "checks", "engine", "notice", "not_used", "text"}
    assert data["text"] == f"Subject: {data['subject']}\n\n{data['body']}"
    assert data["engine"] == "guide" and data["notice"] is None
    assert set(data["checks"][0]) == {"id", "passed", "evidence", "tip", "section"}
    assert all(c["passed"] for c in data["checks"])


def test_email_from_json_file_writes_eml(tmp_path, capsys):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(REQUEST), encoding="utf-8")
    out_file = tmp_path / "draft.eml"
    assert main(["email", "--request", str(path), "--eml", str(out_file),
                 "--to", "priya.raman@drexel.edu"]) == 0
    assert "Saved" in capsys.readouterr().out
    msg = BytesParser(policy=default).parsebytes(out_file.read_bytes())
    assert msg["Subject"] == "Request for Mentorship Meeting"
    assert msg["To"] == "priya.raman@drexel.edu"
    assert "Dear Dr. Raman," in msg.get_content()


def test_email_errors_exit_2(tmp_path, capsys):
    assert main(["email", "--request", str(tmp_path / "nope.yaml")]) == 2
    assert "Request file not found" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: faculty\nstudent: [unclosed\n", encoding="utf-8")
    assert main(["email", "--request", str(bad)]) == 2
    assert "not valid YAML/JSON" in capsys.readouterr().err
    holes = tmp_path / "holes.yaml"
    holes.write_text("kind: faculty\nstudent: {name: Sam}\nmentor: {name: Dr. Lopez}\n")
    assert main(["email", "--request", str(holes)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coach: error: Missing required fields: student.year, student.school, "
                          "student.email, student.goals, mentor.field, mentor.focus, times")


def test_llm_engine_without_configuration_is_a_config_error(request_file, capsys):
    assert main(["email", "--request", str(request_file), "--engine", "llm"]) == 1
    err = capsys.readouterr().err  # coach.engine.choose's fix-it message
    assert "no LLM is configured" in err and "--engine guide" in err


def test_crisis_prints_support_instead_of_a_draft(request_file, monkeypatch, capsys):
    import coach.safety.untrusted

    crisis = _Verdict("crisis")
    crisis.lang = "en"
    monkeypatch.setattr(coach.safety.untrusted, "screen_fields", lambda fields: crisis)
    assert main(["email", "--request", str(request_file)]) == 0
    out = capsys.readouterr().out
    assert "988" in out and "Subject:" not in out


def test_check_email_file_and_stdin(tmp_path, monkeypatch, capsys):
    draft = tmp_path / "draft.txt"
    draft.write_text("hey, can u be my mentor? thx", encoding="utf-8")
    assert main(["check-email", str(draft)]) == 0
    out = capsys.readouterr().out
    assert "Checklist (1 of 12 passed):" in out and "  ✗ tone:" in out and "Tip:" in out
    assert out.startswith("Checked as a first request to a faculty mentor")  # says the kind
    monkeypatch.setattr("sys.stdin", io.StringIO("hey, can u be my mentor? thx"))
    assert main(["check-email", "-", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["checks"]) == 12 and not data["checks"][0]["passed"]
    assert data["kind_assumed"] == "faculty"


def test_check_email_with_request_and_kind(request_file, tmp_path, capsys):
    assert main(["email", "--request", str(request_file)]) == 0
    text = capsys.readouterr().out.split("\n\nChecklist")[0]
    draft = tmp_path / "draft.txt"
    draft.write_text(text.replace("Thank you", "My paper in JAMA. Thank you"), encoding="utf-8")
    assert main(["check-email", str(draft), "--request", str(request_file), "--json"]) == 0
    checks = {c["id"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert not checks["facts"]["passed"] and "JAMA" in checks["facts"]["evidence"]
    assert main(["check-email", str(draft), "--kind", "thank_you", "--json"]) == 0
    ids = [c["id"] for c in json.loads(capsys.readouterr().out)["checks"]]
    assert "times_offered" not in ids and "time_commitment" not in ids


def test_check_email_errors_exit_2(tmp_path, monkeypatch, capsys):
    assert main(["check-email", str(tmp_path / "missing.txt")]) == 2
    assert "Draft file not found" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("   \n"))
    assert main(["check-email", "-"]) == 2
    assert "empty" in capsys.readouterr().err
