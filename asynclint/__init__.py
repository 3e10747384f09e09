"""asynclint: find asyncio mistakes before they reach production."""
__version__ = "0.1.0"
