"""The knowledge index: files to chunks, screening, the Chroma store, repair."""
