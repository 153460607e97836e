"""Adapters to the outside world: the database and event store, the subject vault, the key ring,
API keys, the access log and overview links."""
