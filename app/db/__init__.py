"""Database access: URL resolution (embedded or external), engine, sessions, models, migrations."""
