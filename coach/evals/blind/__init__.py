"""The blind QA eval (evals/qa_blind): questions written by a helper who never saw the engine."""
