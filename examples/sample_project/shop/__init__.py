"""A small asyncio service with the mistakes asynclint is built to find."""
from .db import fetch_order, save_order

__all__ = ["fetch_order", "save_order"]
