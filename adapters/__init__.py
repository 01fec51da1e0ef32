"""Platform adapters: turn chat input into command invocations and replies into messages."""
