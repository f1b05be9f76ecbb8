"""The schema's own scalar: `Money`, an exact amount written as REST writes it ("140.00").

A field annotated `Money` (a `NewType` of `Decimal`) holds the amount as loaded; the scalar
writes it with `app.services.amounts.money_text`, the one formatting of amounts, so resolvers
and answer-now functions never round. `SCALARS` goes into the schema's `StrawberryConfig`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from app.services.amounts import money_text

if TYPE_CHECKING:
    Money = Decimal  # to the type checker an amount is a Decimal: no casts in resolvers
else:
    Money = NewType("Money", Decimal)  # at run time a type of its own, mapped to the scalar

MONEY = strawberry.scalar(
    name="Money",
    description='An exact amount: a string with exactly 2 decimals, rounded half-up, "140.00".',
    serialize=money_text,
    parse_value=Decimal,
)

SCALARS: dict[object, ScalarDefinition] = {Money: MONEY}
