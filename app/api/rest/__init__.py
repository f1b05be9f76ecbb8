"""REST transport: thin FastAPI routes over `app.services`, pydantic schemas, problem+json."""
