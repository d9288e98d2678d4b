"""Ask: answers to a student's mentorship questions (guide engine and LLM engine)."""
