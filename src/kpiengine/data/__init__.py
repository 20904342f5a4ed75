"""The data layer: each source fetched through its plugin (or the cache) into one embedded DuckDB,
as typed views in the engine's field names, with the subjects being evaluated."""
