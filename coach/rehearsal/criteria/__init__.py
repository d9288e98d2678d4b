"""Which parts of the guide's ask a student's words cover: a classifier over MiniLM embeddings.

`detect_criteria(texts)` gives, per text, the criterion ids it satisfies; the scorecard, the
persona (what has already been said) and the eval all use this one detector.
"""

from coach.rehearsal.criteria.detector import (
    CRITERIA,
    CriterionDetector,
    detect_criteria,
    get_detector,
)
from coach.rehearsal.criteria.text import sentences

__all__ = ["CRITERIA", "CriterionDetector", "detect_criteria", "get_detector", "sentences"]
