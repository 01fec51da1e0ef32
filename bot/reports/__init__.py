"""Organiser reports: a term's numbers, with privacy by default (see ``docs/privacy.md``)."""
