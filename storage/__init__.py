"""Storage: the engine, the tables and their migrations, rollups, and the one wording of database failures."""
