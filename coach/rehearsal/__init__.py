"""Rehearse the ask: mentor personas, the role-play, and the scorecard."""
