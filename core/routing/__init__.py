"""The policy module: the cited fact base and routing engine behind every answer.

Pure Python (no Rasa import): facts.yml holds every support fact of the source documents with its source;
`route()` answers routing queries, `triage()` proposes a severity, `schedule` does the clock maths.

    >>> from core.routing import route
    >>> r = route(product="Office 365", cloud="21Vianet")
    >>> r.phone.rows[0].number
    '+86 400-089-0365'
"""
from .loader import FactsError, load_facts
from .model import DIMS, Facts
from .router import Missing, Problem, Query, Route, Router, default_router, route
from .triage import Triage, scheme_for, triage
from .vocab import Mention, Vocabulary, vocabulary_for

__all__ = [
    "DIMS", "Facts", "FactsError", "Mention", "Missing", "Problem", "Query", "Route", "Router", "Triage",
    "Vocabulary", "default_router", "load_facts", "route", "scheme_for", "triage", "vocabulary_for",
]
