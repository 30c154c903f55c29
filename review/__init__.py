"""Conversation review for the people who run the assistant (issue 17): what was asked, what went
unanswered, and the retention purge.

Pure Python on SQLAlchemy: it reads the tracker store's `events` table directly, through the same endpoints
file as the server, never through the server's HTTP API, and imports no Rasa (slow to import, not needed).

    endpoints   the tracker store named by an endpoints file (`${VAR}` as Rasa reads them)
    store       reading conversations in batches (bounded memory), deleting them
    turns       conversations and turns from stored events; the outcome of each turn
    figures     the figures of a review window
    build       one review: the window's conversations read into the figures
    grouping    near-identical unanswered messages as one row
    privacy     masking of phone numbers, e-mail addresses and digit runs; keyed sender hashes
    svg, page   the static HTML page with inline SVG plots
    output      review.json, review.html, review_candidates.yml
    purge       the retention control
    progress    progress on stderr for long stores
"""
