"""Tunable rules of the grid domain, from the environment (LINLI_GRID_*), with safe defaults."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class GridRules(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINLI_GRID_", extra="ignore")

    # A board entry not re-verified for this many days is flagged stale in staff's list.
    board_stale_days: int = 90
    # Building imports: the largest file accepted and the most rows read from it.
    import_max_bytes: int = 2 * 1024 * 1024
    import_max_rows: int = 5000
    # Bulk posters: the most buildings in one PDF.
    posters_max_buildings: int = 500
    # What a poster's QR code opens: the mini-program's report page with the building filled in.
    qr_path: str = "pages/report/index?building_id={building_id}"


@lru_cache
def rules() -> GridRules:
    return GridRules()
