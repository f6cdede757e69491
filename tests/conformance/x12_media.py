"""schemathesis hooks: how to write an `application/edi-x12` body.

schemathesis generates JSON by itself; an X12 interchange it cannot. The conformance test
(tests/e2e/tests/conformance.rs) writes interchanges for its own trading partner into the file
named by SWITCHYARD_CONFORMANCE_X12 (a JSON list of strings); bodies are drawn from those, from
them cut short or with a byte flipped, and from arbitrary bytes, so that the endpoint sees both
what a partner sends and what a broken one does.
"""

import json
import os

import schemathesis
from hypothesis import strategies as st

with open(os.environ["SWITCHYARD_CONFORMANCE_X12"], encoding="utf-8") as f:
    _INTERCHANGES = [text.encode("utf-8") for text in json.load(f)]


@st.composite
def _damaged(draw):
    body = bytearray(draw(st.sampled_from(_INTERCHANGES)))
    if draw(st.booleans()):
        return bytes(body[: draw(st.integers(0, len(body)))])
    at = draw(st.integers(0, len(body) - 1))
    body[at] = draw(st.integers(0, 255))
    return bytes(body)


schemathesis.openapi.media_type(
    "application/edi-x12",
    st.one_of(st.sampled_from(_INTERCHANGES), _damaged(), st.binary(max_size=2048)),
)
