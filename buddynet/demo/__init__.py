"""The demo data (`manage.py demo`): a layer above the records and the features.

It touches everything (people, duos, network maps, funding), so it lives apart: no record app
imports it, and it may import every app.
"""
