"""The rule registry: finds every `Rule` subclass in this package's modules.

No hand-kept import list: adding a rule means adding its module. Duplicate
codes or names are refused at load time.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import Dict, List

from .base import Rule


class RegistryError(Exception):
    pass


@lru_cache(maxsize=None)
def _load() -> Dict[str, Rule]:
    rules: Dict[str, Rule] = {}
    names: Dict[str, str] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base" or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule and obj.code \
                    and obj.__module__ == module.__name__:
                rule = obj()
                if rule.code in rules:
                    raise RegistryError(f"duplicate rule code {rule.code} in {module.__name__}")
                if rule.name in names:
                    raise RegistryError(f"duplicate rule name {rule.name} ({rule.code}, {names[rule.name]})")
                rules[rule.code] = rule
                names[rule.name] = rule.code
    return dict(sorted(rules.items()))


def all_rules() -> Dict[str, Rule]:
    """code -> rule instance, sorted by code."""
    return _load()


def get(code: str) -> Rule:
    return _load()[code]


def rules_list() -> List[Rule]:
    return list(_load().values())
