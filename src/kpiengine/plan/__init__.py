"""The plan layer: a ruleset read safely from YAML, checked against the schema and built into the
typed, immutable `Ruleset` every later layer reads. Nothing here touches data."""
