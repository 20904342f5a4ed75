"""What `kpiengine plugins` prints: each installed plugin, its version and what it registers."""

from __future__ import annotations

import importlib.metadata
from collections import defaultdict

from kpiengine.plugins import ENTRY_POINT_GROUP, Registry, default_manager, registry


def _versions() -> dict[str, str]:
    versions = {}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist
        versions[ep.name] = f"{dist.name} {dist.version}" if dist else "?"
    return versions


def _registered(reg: Registry) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for name, (_, plugin) in sorted(reg.sources.items()):
        found[plugin].append(f"source {name}")
    for name, (_, plugin) in sorted(reg.outputs.items()):
        found[plugin].append(f"output {name}")
    for name, fn in sorted(reg.functions.items()):
        found[fn.plugin].append(f"function {name}")
    return found


def _options(reg: Registry, line: str) -> str:
    kind, name = line.split(" ", 1)
    if kind == "source":
        schema = reg.sources[name][0].options_schema  # registered: no plugin code imported
    elif kind == "output":
        schema = reg.outputs[name][0].options_schema
    else:
        return ""
    keys = schema.get("properties", {})
    return f" (options: {', '.join(keys) or 'none'})"


def describe_plugins(*, show_all: bool = False) -> str:
    pm = default_manager()
    reg = registry(pm)
    versions = _versions()
    found = _registered(reg)
    lines = []
    for name in sorted(n for n, _ in pm.list_name_plugin()):
        lines.append(f"{name}  {versions.get(name, '(not from an entry point)')}")
        commands = [
            h.function.__name__
            for h in pm.hook.register_commands.get_hookimpls()
            if pm.get_name(h.plugin) == name
        ]
        for what in found.get(name, []) + [f"commands hook {c}" for c in commands]:
            lines.append(f"  {what}{_options(reg, what) if show_all else ''}")
    return "\n".join(lines)
