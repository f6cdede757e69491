"""schemathesis hooks: how to write an `application/edi-x12` and an `application/edifact` body.

schemathesis generates JSON by itself; an X12 interchange it cannot. The conformance test
(tests/e2e/tests/conformance.rs) writes interchanges for its own trading partner into the file
named by SWITCHYARD_CONFORMANCE_X12 (a JSON list of strings); bodies are drawn from those, from
them cut short or with a byte flipped, and from arbitrary bytes, so that the endpoint sees both
what a partner sends and what a broken one does. EDIFACT interchanges come the same way from
the file named by SWITCHYARD_CONFORMANCE_EDIFACT, when the run sets it (the EDIFACT run does);
without it, EDIFACT bodies are arbitrary bytes.
"""

import json
import os

import schemathesis
from hypothesis import strategies as st

with open(os.environ["SWITCHYARD_CONFORMANCE_X12"], encoding="utf-8") as f:
    _INTERCHANGES = [text.encode("utf-8") for text in json.load(f)]


_EDIFACT_FILE = os.environ.get("SWITCHYARD_CONFORMANCE_EDIFACT")
_EDIFACT = []
if _EDIFACT_FILE:
    with open(_EDIFACT_FILE, encoding="utf-8") as f:
        _EDIFACT = [text.encode("utf-8") for text in json.load(f)]


@st.composite
def _damaged(draw, samples=None):
    body = bytearray(draw(st.sampled_from(samples or _INTERCHANGES)))
    if draw(st.booleans()):
        return bytes(body[: draw(st.integers(0, len(body)))])
    at = draw(st.integers(0, len(body) - 1))
    body[at] = draw(st.integers(0, 255))
    return bytes(body)


schemathesis.openapi.media_type(
    "application/edi-x12",
    st.one_of(st.sampled_from(_INTERCHANGES), _damaged(), st.binary(max_size=2048)),
)

schemathesis.openapi.media_type(
    "application/edifact",
    st.one_of(st.sampled_from(_EDIFACT), _damaged(_EDIFACT), st.binary(max_size=2048))
    if _EDIFACT
    else st.binary(max_size=2048),
)
