"""The service layer: the only code that builds queries. REST and GraphQL both call these functions.

Functions take a `Session` plus typed arguments and return plain dataclasses (no pydantic, no
Strawberry), so every transport can wrap the same results in its own types.
"""
