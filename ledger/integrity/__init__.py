"""Integrity: the RFC 9162 Merkle tree and signed checkpoints."""
