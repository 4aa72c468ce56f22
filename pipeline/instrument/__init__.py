"""``sdw instrument import``: an official blank checklist becomes a template version in the project's catalogs.

A stage beside ingest: it reads a blank form with ingest's own header roles, item numbers and version
recognition, so a form the import accepts is a form ingest reads the same way.
"""
