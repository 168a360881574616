"""Ingest: reading, checking and writing the communities' files, templates and online corrections."""
