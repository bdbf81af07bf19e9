"""The import paths of upstream's documentation (streamll.core.events)."""
