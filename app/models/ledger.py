"""ORM tables of the ledger domain (filled in by its issue)."""
