"""Hashing of link tokens and API keys: a database copy alone opens nothing."""

import hashlib


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
