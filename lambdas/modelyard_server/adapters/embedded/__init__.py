"""The embedded backend: SQLite and content-addressed files under one data directory (stdlib only)."""
