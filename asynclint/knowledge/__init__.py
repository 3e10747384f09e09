"""Catalogues of APIs: plain data, easy to extend, no logic."""
