"""Loading and chunking the knowledge files: sections, token limits, atomic blocks, odd files."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from coach.config import REPO_ROOT
from coach.embeddings import get_embeddings
from coach.index.knowledge import (
    FRONT_MATTER,
    SENTENCE_END,
    SourceFile,
    _split_oversized,
    chunk_source,
    load_sources,
    sha,
)

GUIDE = REPO_ROOT / "knowledge" / "amwa-medical-student-mentorship-guide.md"
SECTIONS = [
    "Why we created this guide", "The importance of mentorship",
    "Characteristics of mentors and mentees", "Determining your goals", "Finding faculty mentors",
    "Research mentorship", "Peer mentorship", "Resources", "The TL;DR",
]


def tiny_pdf(text: str) -> bytes:
    """A minimal valid one-page PDF showing `text` (no PDF library needed to write it)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    size = len(objects) + 1
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def _strip_ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def embedder():
    return get_embeddings("all-MiniLM-L6-v2")  # only its tokenizer is used here (no torch)


@pytest.fixture(scope="module")
def guide_text() -> str:
    return GUIDE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def chunks(embedder):
    report = load_sources([GUIDE.parent])
    (source,) = [f for f in report.files if f.name == GUIDE.name]
    return chunk_source(source, embedder.count_tokens, embedder.max_tokens)


def test_all_nine_sections_have_chunks_with_metadata(chunks):
    assert set(SECTIONS) <= {c.metadata["section"] for c in chunks}
    for chunk in chunks:
        meta = chunk.metadata
        assert set(meta) >= {"id", "source", "section", "heading_trail", "content_hash",
                             "file_hash"}
        assert meta["source"] == GUIDE.name
        assert meta["heading_trail"].startswith(meta["section"])
        assert chunk.page_content.startswith(meta["heading_trail"])
    ids = [c.metadata["id"] for c in chunks]
    assert len(ids) == len(set(ids))


def test_section_metadata_matches_the_h2_each_chunk_sits_under(chunks, guide_text):
    body = FRONT_MATTER.sub("", guide_text)
    h2_at = [(m.start(), m.group(1)) for m in re.finditer(r"^## (.+)$", body, re.M)]
    for chunk in chunks:
        trail = chunk.metadata["heading_trail"]
        first_block = chunk.page_content[len(trail):].strip().split("\n\n")[0]
        position = body.find(first_block)
        assert position >= 0, f"chunk text not found in the guide: {first_block[:60]!r}"
        above = [name for start, name in h2_at if start < position]
        expected = above[-1] if above else "Medical Student Mentorship Guide"  # the H1 byline
        assert chunk.metadata["section"] == expected


def test_no_chunk_exceeds_the_embedders_token_limit(chunks, embedder):
    assert embedder.max_tokens == 256
    sizes = [embedder.count_tokens(c.page_content) for c in chunks]
    assert max(sizes) <= 256, sizes


def test_email_templates_are_never_split(chunks, guide_text):
    fences = re.findall(r"```text\n.*?```", guide_text, re.S)
    assert len(fences) == 2
    for fence in fences:
        holders = [c for c in chunks if fence in c.page_content]
        assert len(holders) == 1, "each template must sit whole in exactly one chunk"
        others = [c for c in chunks if c is not holders[0]]
        subject = fence.split("\n")[1]
        assert not any(subject in c.page_content for c in others)


def test_bullets_with_sub_bullets_stay_whole(chunks, guide_text):
    body = FRONT_MATTER.sub("", guide_text)
    items = re.findall(r"^(?:[-*]|\d+\.) .+\n(?:[ \t]+[-*] .+\n?)+", body, re.M)
    assert len(items) >= 15  # the For mentors / For mentees / TL;DR nested lists
    for item in items:
        holders = [c for c in chunks if item.strip() in c.page_content]
        assert len(holders) == 1, f"nested bullet split across chunks: {item[:60]!r}"


def test_every_line_of_the_guide_lands_in_some_chunk(chunks, guide_text):
    body = FRONT_MATTER.sub("", guide_text)
    everything = _strip_ws(" ".join(c.page_content for c in chunks))
    for line in body.splitlines():
        if line.strip() and not line.startswith("#"):
            for sentence in SENTENCE_END.split(line.strip()):  # long paragraphs split here
                assert _strip_ws(sentence) in everything, sentence


def test_chunking_is_deterministic(embedder):
    source = load_sources([GUIDE]).files[0]
    first = chunk_source(source, embedder.count_tokens, 256)
    second = chunk_source(source, embedder.count_tokens, 256)
    assert [(d.metadata["id"], d.metadata["content_hash"]) for d in first] == [
        (d.metadata["id"], d.metadata["content_hash"]) for d in second
    ]


def test_oversized_paragraph_splits_at_sentence_ends(embedder):
    paragraph = " ".join(f"Sentence number {n} talks about finding a mentor." for n in range(80))
    pieces = _split_oversized(paragraph, embedder.count_tokens, 100)
    assert len(pieces) > 1
    assert all(embedder.count_tokens(p) <= 100 for p in pieces)
    assert all(p.endswith("mentor.") for p in pieces)
    assert " ".join(pieces) == paragraph


def test_plain_text_chunks_take_the_file_name_as_section(embedder):
    source = SourceFile("shadowing-notes.txt", "Shadowing helps you test a specialty.", "h", "txt")
    (chunk,) = chunk_source(source, embedder.count_tokens, 256)
    assert chunk.metadata["section"] == "shadowing notes"
    assert "Shadowing helps" in chunk.page_content


def test_load_sources_reads_md_txt_pdf_and_skips_bad_files(tmp_path: Path, caplog):
    (tmp_path / "a.md").write_text("# A\n\n## Part\n\nMentors help.\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("Peers help too.\n", encoding="utf-8")
    (tmp_path / "tiny.pdf").write_bytes(tiny_pdf("Sponsors open doors."))
    (tmp_path / "latin1.md").write_bytes("Caf\xe9 mentoring notes".encode("latin-1"))
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / ".hidden.md").write_text("secret", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="coach.index.knowledge"):
        report = load_sources([tmp_path, tmp_path / "missing-dir"])
    assert sorted(f.name for f in report.files) == ["a.md", "notes.txt", "tiny.pdf"]
    kinds = {f.name: f.kind for f in report.files}
    assert kinds == {"a.md": "md", "notes.txt": "txt", "tiny.pdf": "pdf"}
    pdf = next(f for f in report.files if f.kind == "pdf")
    assert "Sponsors open doors." in pdf.text
    skipped = dict(report.skipped)
    assert skipped["latin1.md"] == "not valid UTF-8 text"
    assert skipped["empty.txt"] == "empty"
    assert any("missing-dir" in name for name in skipped)
    assert "latin1.md" in caplog.text and "empty.txt" in caplog.text


def test_file_hash_changes_with_content_only():
    assert sha("abc", 32) == sha("abc", 32)
    assert sha("abc", 32) != sha("abd", 32)
