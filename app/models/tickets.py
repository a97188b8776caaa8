"""ORM tables of the tickets domain (filled in by its issue)."""
