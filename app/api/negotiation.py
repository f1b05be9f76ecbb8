"""Content negotiation: how much a request's `Accept` header wants a media type.

One reading of `Accept` for every route that offers several representations (CSV export, GraphQL
over HTTP's two media types), by python-mimeparse: RFC 9110's rules, where the most specific
range matching a type (`text/csv` over `text/*` over `*/*`) gives its weight `q`. Media types
are compared without regard to case; a weight that is not a number counts as 1, as mimeparse
reads it (RFC 9110 leaves a malformed weight to the recipient).
"""

from __future__ import annotations

import mimeparse


def quality(accept: str | None, media_type: str) -> float:
    """The weight (0 to 1) that `accept` gives `media_type`; 0 when the header names no range
    matching it, and when it cannot be parsed (a malformed header expresses no preference)."""
    if not accept:
        return 0.0
    try:
        return min(max(float(mimeparse.quality(media_type, accept.lower())), 0.0), 1.0)
    except (mimeparse.MimeTypeParseException, ValueError):
        return 0.0
