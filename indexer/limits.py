"""Maximum sizes of every input: a record (a JSONL line, a JSON array element, a CSV row),
and each field of :class:`~indexer.models.Offer` and :class:`~indexer.models.Profile`.

Two policies, chosen per field and written into the JSON Schema as ``"x-oversize"``:

- **truncated**: free text and lists of labels (a title, a description, skills). The readers
  cut an oversize value to its maximum *before* validation and say so in the report (a
  ``truncated`` entry naming file, line, record and field); the record is indexed.
- **rejected**: identifiers and codes (an id, a ROME or INSEE code, a contract type). An
  oversize value is not an identifier any more, so the record is rejected.

The models carry the same maxima, so a record built any other way (the web app, the API)
cannot hold an oversize value either. The encoders cut their input again
(:data:`ENCODER_MAX_CHARS`), so memory stays bounded whatever reaches them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

#: Bytes of one record in a file: a JSONL line, an element of a JSON list, a CSV row.
#: Larger records are rejected unread (the reader skips to the next one).
RECORD_MAX_BYTES = 16 * 1024 * 1024
#: Nesting depth of a record's JSON (an offer of the France Travail API is 3 deep).
RECORD_MAX_DEPTH = 64

ID_MAX_CHARS = 100
CODE_MAX_CHARS = 120
LABEL_MAX_CHARS = 300
TEXT_MAX_CHARS = 20_000
CONTACT_MAX_CHARS = 254
"""An e-mail address (RFC 5321 path limit), a name or a phone number."""
SKILLS_MAX_ITEMS = 200
LABELS_MAX_ITEMS = 50
CODES_MAX_ITEMS = 20

#: Characters of one text given to an encoder: an embedding text is a title, skill labels
#: and the start of a description (see :mod:`indexer.documents`), about 1,000 characters.
ENCODER_MAX_CHARS = 4_000
#: Tokens of one text given to an encoder whose model has a window (e5: 512).
ENCODER_MAX_TOKENS = 512


class Oversize:
    """Annotation marker: what the readers do with a value longer than its maximum."""

    def __init__(self, action: str) -> None:
        self.action = action

    def __repr__(self) -> str:
        return f"Oversize({self.action!r})"

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["x-oversize"] = self.action
        return schema


TRUNCATED = Oversize("truncated")
REJECTED = Oversize("rejected")

Identifier = Annotated[str, StringConstraints(max_length=ID_MAX_CHARS), REJECTED]
Code = Annotated[str, StringConstraints(max_length=CODE_MAX_CHARS), REJECTED]
Label = Annotated[str, StringConstraints(max_length=LABEL_MAX_CHARS), TRUNCATED]
Text = Annotated[str, StringConstraints(max_length=TEXT_MAX_CHARS), TRUNCATED]
Contact = Annotated[str, StringConstraints(max_length=CONTACT_MAX_CHARS), REJECTED]
Labels = Annotated[list[Label], Field(max_length=LABELS_MAX_ITEMS), TRUNCATED]
Codes = Annotated[list[Code], Field(max_length=CODES_MAX_ITEMS), REJECTED]


def oversize_action(metadata: list[Any]) -> str | None:
    """The :class:`Oversize` action among a field's annotation metadata, if any."""
    for item in metadata:
        if isinstance(item, Oversize):
            return item.action
    return None


def max_length(metadata: list[Any]) -> int | None:
    """The ``max_length`` among a field's annotation metadata (string or list), if any."""
    for item in metadata:
        value = getattr(item, "max_length", None)
        if isinstance(value, int):
            return value
    return None
