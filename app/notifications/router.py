"""HTTP routes of the notifications domain."""

from fastapi import APIRouter

router = APIRouter()
