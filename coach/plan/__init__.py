"""The student's plan: the guide's goals worksheet and mentorship team."""
