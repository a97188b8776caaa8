"""HTTP routes of the volunteering domain."""

from fastapi import APIRouter

router = APIRouter()
