"""The storage contracts, ``bot.store.Store`` and ``bot.nudges.ledger.Ledger``, per backend."""
