"""Chapter peer-mentorship matching ("Find your FAMWA"): questionnaire, scoring, assignment,
family tree and introduction drafts. Plain functions; the CLI and the Chapter tab wrap them."""

from coach.matching.roster import Roster, RowError, StudentRow, load_roster, parse_roster
from coach.matching.weights import Weights, load_weights

__all__ = ["Roster", "RowError", "StudentRow", "Weights", "load_roster", "load_weights",
           "parse_roster"]
