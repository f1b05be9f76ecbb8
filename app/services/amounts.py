"""Exact decimal outputs: how money and other NUMERIC values are rounded and written, once.

Amounts are `Decimal` from PostgreSQL to the wire, never floats. Every output that writes an
amount as text (REST JSON, the CSV export made from it, the CLI, GraphQL's `Money` scalar) writes
it with `money_text`: rounded half-up to exactly two decimals, `"140.00"`, never `"-0.00"`.

`Money`, `Decimal2`, `Percent` and `Correlation` are the pydantic types of the output shapes'
NUMERIC fields: they say what a field holds, round it on validation and write it as a string.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import AfterValidator, PlainSerializer, WithJsonSchema

CENT = Decimal("0.01")

MONEY_NOTE = "Exact decimal as a string with 2 decimals"
PCT_NOTE = "Percentage rounded to 2 decimals, as a string"


def cents(value: Decimal) -> Decimal:
    """`value` rounded half-up to exactly two decimals; a negative zero (a float artefact of the
    source, not an amount) becomes zero."""
    quantized = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return quantized if quantized else abs(quantized)


def money_text(value: Decimal) -> str:
    """The one way an amount is written: `cents(value)` as text, `"140.00"`.

    `str` of a Decimal with exponent -2 is always plain notation with exactly two decimals.
    `cents` is inlined: GraphQL's `Money` scalar calls this for every amount of a page."""
    quantized = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return str(quantized if quantized else abs(quantized))


_ROUNDED = AfterValidator(cents)
_WRITTEN = PlainSerializer(money_text, return_type=str, when_used="always")


def _two_decimals(example: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": [example]})


Money = Annotated[Decimal, _ROUNDED, _WRITTEN, _two_decimals("140.00")]
"""An exact amount: rounded to 0.01 and written as a string with exactly 2 decimals."""

Decimal2 = Annotated[Decimal, _ROUNDED, _WRITTEN, _two_decimals("0.30")]
"""A non-money NUMERIC value (discount fraction, aging days, averages), written as money is."""

Percent = Annotated[Decimal, _ROUNDED, _WRITTEN, _two_decimals("55.47")]
"""A percentage rounded to 2 decimals, written as money is: "55.47" is 55.47 %."""


def _correlation_text(value: Decimal) -> str:
    return f"{value:.4f}"


Correlation = Annotated[
    Decimal,
    PlainSerializer(_correlation_text, return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d\.\d{4}$", "examples": ["0.0312"]}),
]
"""A Pearson correlation coefficient rounded to 4 decimals (by PostgreSQL), as a string."""
