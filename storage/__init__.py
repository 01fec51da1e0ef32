"""SQLite storage for the engine, through aiosqlite."""
