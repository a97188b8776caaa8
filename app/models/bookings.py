"""ORM tables of the bookings domain (filled in by its issue)."""
