"""HTTP routes of the merchants domain."""

from fastapi import APIRouter

router = APIRouter()
