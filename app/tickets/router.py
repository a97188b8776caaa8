"""HTTP routes of the tickets domain."""

from fastapi import APIRouter

router = APIRouter()
