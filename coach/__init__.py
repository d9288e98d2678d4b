"""Mentor Coach: mentorship coaching for medical students, grounded in the AMWA guide."""

__version__ = "0.1.0"
