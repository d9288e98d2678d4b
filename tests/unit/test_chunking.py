"""Chunking a large text file as a stream (no embedder): the first chunk comes before the
file is read through, and memory stays far below the file's size."""

from __future__ import annotations

import tracemalloc


def test_text_files_are_split_as_a_stream(tmp_path):
    from coach.index.knowledge import iter_chunks, load_sources

    path = tmp_path / "big.txt"
    paragraph = "Mentors answer email faster when the subject line is specific and short. " * 3
    with path.open("w", encoding="utf-8") as handle:
        for _ in range(14_000):  # ~3 MB
            handle.write(paragraph + "\n\n")
    (source,) = load_sources([path], max_bytes=10_000_000).files
    assert source.text == ""  # not held in memory

    def words(text: str) -> int:
        return len(text.split())

    read = [0]  # lines taken from the file so far
    original = source.lines

    def counted():  # noqa: ANN202
        for line in original():
            read[0] += 1
            yield line

    object.__setattr__(source, "lines", counted)
    chunks = iter_chunks(source, words, 256)
    first = next(chunks)
    assert first.page_content and read[0] < 28_000 // 10  # far from the end of the file

    tracemalloc.start()
    count = 1 + sum(1 for _ in chunks)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count > 1000 and read[0] >= 28_000
    assert peak < path.stat().st_size / 4
