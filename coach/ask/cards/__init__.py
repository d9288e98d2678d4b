"""Advice cards: coaching-voice advice resting on verbatim guide passages (knowledge/cards)."""
