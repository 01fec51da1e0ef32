"""The storage contracts (``bot.store.Store``, ``bot.nudges.ledger.Ledger``) on PostgreSQL.

Chosen when ``REACHOUT_DATABASE`` is a ``postgresql://`` URL. The driver is asyncpg: the
bot is asyncio throughout, and asyncpg speaks PostgreSQL's binary protocol natively, with a
built-in connection pool, statements prepared and cached per connection on first use,
``COPY`` for bulk loads (``reachout copy-database``) and native ``timestamptz``/``date``
codecs, in one dependency with wheels for every platform reachout supports. psycopg 3 would
also do; its async mode is a layer over the same libpq calls its sync mode makes, and it
needs the separate psycopg-pool package for a pool.
"""
