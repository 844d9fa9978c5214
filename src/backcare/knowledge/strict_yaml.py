"""The YAML loader for every reviewed file: safe, fast, and strict about repeated keys.

PyYAML keeps the last of two equal keys in a mapping without a word, so a second
``near:`` or ``unless:`` written further down a concept silently replaced the first one
(it happened twice while the vocabulary grew). Clinical content must not lose a reviewed
list that way: a repeated key is an error naming the key and the line.
"""

from __future__ import annotations

from functools import cache
from typing import Any

__all__ = ["strict_loader"]


@cache
def strict_loader() -> Any:
    """A safe loader class (the C one where PyYAML has it) that refuses repeated keys."""
    import yaml

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class StrictLoader(base):  # type: ignore[misc]
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    repeated = key in seen
                except TypeError:  # an unhashable key: PyYAML's own check names it
                    continue
                if repeated:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"the key {key!r} is repeated (PyYAML would keep only the last one)",
                        key_node.start_mark,
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return StrictLoader
