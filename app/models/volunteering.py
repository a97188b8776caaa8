"""ORM tables of the volunteering domain (filled in by its issue)."""
