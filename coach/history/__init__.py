"""Saved chats and rehearsals: plain functions over what the browser stores (chat_store.py,
rehearsals.py), Markdown export, and feedback turned into eval candidates (feedback.py)."""
