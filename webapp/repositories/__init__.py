"""Database access, one module per concern: accounts, ownership, contacts, tag edits, privacy."""
