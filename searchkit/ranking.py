"""Ranking: BM25F over the exact and stemmed fields, and the weights tuned on the public sets.

Each query word is looked up in four fields -- title and body, each exact (normalized,
unstemmed) and stemmed. Exact-form and title matches weigh more, so a document with the word
as typed ranks above one that only shares its stem. Words are OR-ed with a bonus for documents
that match more of them, so a long query still finds documents that miss one word, ranked below
those that have them all. Near spellings added by "did you mean" count for less.
"""

from __future__ import annotations

from whoosh import scoring

# Field weights: exact matches and titles count more than stem-only and body matches.
FIELD_BOOSTS = {"body": 1.0, "body_exact": 0.4, "title": 0.9, "title_exact": 0.5}
# BM25 parameters (k1, b), the same for every field.
BM25_K1, BM25_B = 0.9, 0.75
# Bonus factor for documents matching more of the query's words (Whoosh OrGroup).
COORDINATION = 0.9
# A plain query of several words: bonus for documents with them near each other, in order
# (a phrase on the exact body with this slop; stop words between them count).
PHRASE_BOOST, PHRASE_SLOP = 0.5, 3
# Weight of a near spelling (edit distance 1) relative to the word as typed.
NEAR_SPELLING_WEIGHT = 0.5


def weighting() -> scoring.WeightingModel:
    """The ranking function: BM25F."""
    return scoring.BM25F(B=BM25_B, K1=BM25_K1)
