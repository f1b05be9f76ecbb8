"""CSV → PostgreSQL loader for the E-commerce Dataset (`python -m loader --help`)."""
