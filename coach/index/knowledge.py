"""Load the knowledge files (.md, .txt, .pdf) and cut them into heading-aware chunks.

Chunks follow headings, never split a bullet item or a fenced block (the email
templates), and fit the embedder's own token limit, counted with its tokenizer.
Text files are streamed: hashed, screened and split line by line, never held whole in memory.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.documents import Document

log = logging.getLogger(__name__)

SUPPORTED = {".md", ".markdown", ".txt", ".pdf"}
HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"(])")

SECTION_FLUSH_CHARS = 64_000  # a longer section is split in pieces at blank lines (streaming)
TokenCounter = Callable[[str], int]
# Bump when chunking changes: it is part of each file's hash, so old chunks get replaced.
CHUNKER_VERSION = "3"


@dataclass(frozen=True)
class SourceFile:
    """One readable knowledge file: its name relative to the knowledge root and hash. The text
    is held in memory only for PDFs (and sources built from a string); .md/.txt files are
    read again, line by line, from `path` when they are screened or chunked."""

    name: str
    text: str
    file_hash: str
    kind: str  # "md", "txt" or "pdf"
    path: Path | None = None

    def lines(self) -> Iterator[str]:
        """The text's lines (without newlines), streamed from disk when not in memory."""
        if self.text or self.path is None:
            yield from self.text.split("\n")
            return
        with self.path.open(encoding="utf-8", newline="") as handle:
            for line in handle:
                yield line.replace("\x00", "").rstrip("\r\n")


@dataclass
class LoadReport:
    files: list[SourceFile] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)


def sha(text: str, n: int = 16) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n]


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return "\n\n".join((page.extract_text() or "") for page in reader.pages)


def _scan_text(path: Path) -> tuple[str, bool]:
    """Hash a UTF-8 text file as it is read (CRLF as LF, NULs dropped), in one streaming pass;
    also whether it has any non-blank text. Raises UnicodeDecodeError on invalid UTF-8."""
    digest = hashlib.sha256(CHUNKER_VERSION.encode("utf-8"))
    has_text = False
    with path.open(encoding="utf-8", newline="") as handle:
        for line in handle:
            line = line.replace("\r\n", "\n").replace("\x00", "")
            digest.update(line.encode("utf-8"))
            has_text = has_text or bool(line.strip())
    return digest.hexdigest()[:32], has_text


def load_sources(paths: Iterable[Path], max_bytes: int | None = None) -> LoadReport:
    """Read every supported file under `paths`; skip unreadable ones, and ones over `max_bytes`,
    with a warning naming them."""
    report = LoadReport()
    for root in paths:
        root = Path(root)
        if not root.exists():
            report.skipped.append((str(root), "does not exist"))
            continue
        candidates = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in candidates:
            if path.suffix.lower() not in SUPPORTED or path.name.startswith("."):
                continue
            if not root.is_file() and path.relative_to(root).parts[0] == "cards":
                continue  # advice cards (and their README) are loaded by coach.ask.cards
            name = path.name if root.is_file() else str(path.relative_to(root))
            size = path.stat().st_size
            if max_bytes is not None and size > max_bytes:
                reason = (f"{size / 1e6:.1f} MB is over the {max_bytes / 1e6:g} MB limit per file "
                          "(COACH_MAX_FILE_MB); split it or raise the limit")
                log.warning("Skipping knowledge file %s: %s", name, reason)
                report.skipped.append((name, reason))
                continue
            try:
                if path.suffix.lower() == ".pdf":
                    text = _read_pdf(path).replace("\r\n", "\n").replace("\x00", "")
                    file_hash, has_text, kind = sha(CHUNKER_VERSION + text, 32), bool(
                        text.strip()), "pdf"
                else:
                    text = ""  # streamed from disk when needed
                    file_hash, has_text = _scan_text(path)
                    kind = "txt" if path.suffix.lower() == ".txt" else "md"
            except UnicodeDecodeError:
                reason = "not valid UTF-8 text"
            except Exception as exc:  # unreadable, permission, broken PDF...
                reason = f"unreadable ({type(exc).__name__})"
            else:
                if not has_text:
                    reason = "empty"
                else:
                    report.files.append(SourceFile(name, text, file_hash, kind, path))
                    continue
            log.warning("Skipping knowledge file %s: %s", name, reason)
            report.skipped.append((name, reason))
    return report


def _skip_front_matter(lines: Iterable[str]) -> Iterator[str]:
    """Drop a leading YAML front-matter block (--- ... ---); an unclosed one is kept as text."""
    lines = iter(lines)
    first = next(lines, None)
    if first is None:
        return
    if first != "---":
        yield first
        yield from lines
        return
    held = [first]
    for line in lines:
        held.append(line)
        if line == "---":
            break
        if len(held) > 200:  # not front matter after all
            break
    else:
        yield from held
        return
    if held[-1] != "---":
        yield from held
    yield from lines


def iter_sections(lines: Iterable[str], headings: bool = True
                  ) -> Iterator[tuple[dict[str, str], str, bool]]:
    """(heading trail, section text, continued) for Markdown cut at H1-H3 outside fences, read
    line by line. A section longer than SECTION_FLUSH_CHARS is yielded in pieces at blank lines
    outside fences (`continued` is True for the later pieces), so memory stays bounded."""
    trail: dict[str, str] = {}
    buffer: list[str] = []
    size = 0
    continued = False
    in_fence = False
    for line in lines:
        if line.strip().startswith("```"):
            in_fence = not in_fence
        match = None if in_fence or not headings else HEADING.match(line)
        if match:
            if "\n".join(buffer).strip():
                yield dict(trail), "\n".join(buffer), continued
            level = len(match.group(1))
            trail = {k: v for k, v in trail.items() if int(k[1]) < level}
            trail[f"h{level}"] = match.group(2)
            buffer, size, continued = [], 0, False
            continue
        buffer.append(line)
        size += len(line) + 1
        if size > SECTION_FLUSH_CHARS and not in_fence and not line.strip():
            if "\n".join(buffer).strip():
                yield dict(trail), "\n".join(buffer), continued
                continued = True
            buffer, size = [], 0
    if "\n".join(buffer).strip():
        yield dict(trail), "\n".join(buffer), continued


def split_headings(text: str) -> list[tuple[dict[str, str], str]]:
    """Cut Markdown at H1-H3 (outside fences), keeping each section's lines and indentation.

    LangChain's MarkdownHeaderTextSplitter strips leading whitespace, which loses bullet nesting,
    so this small splitter keeps the text exactly as written.
    """
    return [(meta, body) for meta, body, _ in iter_sections(text.split("\n"))]


def _blocks(text: str) -> list[str]:
    """Split section text into atomic blocks: paragraphs, whole bullet items, fenced blocks."""
    blocks: list[str] = []
    current: list[str] = []
    in_fence = False

    def flush() -> None:
        if current:
            blocks.append("\n".join(current).strip())
            current.clear()

    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("```"):
            if not in_fence:
                flush()
            current.append(line)
            in_fence = not in_fence
            if not in_fence:
                flush()
            continue
        if in_fence:
            current.append(line)
            continue
        top_level_item = re.match(r"^(?:[-*+]|\d+[.)])\s", line) is not None
        if not stripped:
            flush()
        elif top_level_item:
            flush()  # a new top-level item starts a block; its nested lines stay with it
            current.append(line)
        else:
            current.append(line)
    flush()
    return [b for b in blocks if b]


def _split_oversized(block: str, count: TokenCounter, limit: int) -> list[str]:
    """Last resort for a block over the limit: split at sentence ends (never mid-sentence)."""
    pieces, current = [], ""
    for sentence in SENTENCE_END.split(block):
        candidate = f"{current} {sentence}".strip()
        if current and count(candidate) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def _pack(blocks: list[str], prefix: str, count: TokenCounter, limit: int) -> list[str]:
    """Greedily pack whole blocks into chunks whose text (with the heading prefix) fits."""
    budget = limit - count(prefix)
    chunks: list[str] = []
    current: list[str] = []
    for block in blocks:
        parts = [block] if count(block) <= budget else _split_oversized(block, count, budget)
        for part in parts:
            candidate = "\n\n".join([*current, part])
            if current and count(candidate) > budget:
                chunks.append("\n\n".join(current))
                current = [part]
            else:
                current.append(part)
    if current:
        chunks.append("\n\n".join(current))
    return chunks


def chunk_source(source: SourceFile, count: TokenCounter, limit: int = 256) -> list[Document]:
    """Chunk one file. Each chunk carries source, section, heading trail, stable id and hash."""
    return list(iter_chunks(source, count, limit))


def iter_chunks(source: SourceFile, count: TokenCounter, limit: int = 256) -> Iterator[Document]:
    """The chunks of one file, streamed: the file is read and split incrementally."""
    fallback_title = Path(source.name).stem.replace("-", " ").replace("_", " ").strip()
    lines = _skip_front_matter(source.lines())
    numbering = 0
    for meta, section_text, continued in iter_sections(lines, headings=source.kind == "md"):
        trail = [meta[k] for k in ("h1", "h2", "h3") if meta.get(k)]
        # The section is the H2 when there is one; otherwise the document's own title.
        section_name = meta.get("h2") or meta.get("h1") or fallback_title
        heading_trail = " > ".join(trail[1:] if meta.get("h2") else trail) or section_name
        prefix = f"{heading_trail}\n\n"
        numbering = numbering if continued else 0  # pieces of one long section count on
        for body in _pack(_blocks(section_text), prefix, count, limit):
            content = prefix + body
            yield Document(
                page_content=content,
                metadata={
                    "id": f"{source.name}::{sha(heading_trail, 8)}::{numbering}",
                    "source": source.name,
                    "section": section_name,
                    "heading_trail": heading_trail,
                    "content_hash": sha(content, 32),
                    "file_hash": source.file_hash,
                },
            )
            numbering += 1
