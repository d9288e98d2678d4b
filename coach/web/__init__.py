"""The Gradio web app and its HTTP API (interface layer)."""
