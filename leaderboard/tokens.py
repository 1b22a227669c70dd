"""Upload tokens: one or more per author, shown once at creation, stored only as SHA-256.

A token is 32 random bytes (URL-safe text); the board keeps its SHA-256, so a copy of the
database gives no usable token. The author of an upload is the token's author, never a field of
the request.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select, update

from leaderboard.store import TOKENS, Board, utc_now

AUTHOR = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(board: Board, author: str) -> tuple[int, str]:
    """``(token id, token)`` of a new token for ``author`` (the token is not stored)."""
    if not AUTHOR.fullmatch(author):
        raise ValueError(f"author {author[:70]!r} must match {AUTHOR.pattern}")
    token = secrets.token_urlsafe(32)
    with board.transaction() as connection:
        row = {"author": author, "token_sha256": _digest(token), "created_utc": utc_now()}
        token_id = connection.execute(TOKENS.insert().values(**row)).inserted_primary_key[0]
    return int(token_id), token


def revoke_token(board: Board, token_id: int) -> bool:
    """Revoke a token by id; whether an active one was revoked."""
    with board.transaction() as connection:
        result = connection.execute(
            update(TOKENS)
            .where(TOKENS.c.id == token_id, TOKENS.c.revoked_utc.is_(None))
            .values(revoked_utc=utc_now())
        )
    return result.rowcount == 1


def list_tokens(board: Board) -> list[dict]:
    """Every token's id, author, creation and revocation time (never the token)."""
    query = select(TOKENS.c.id, TOKENS.c.author, TOKENS.c.created_utc, TOKENS.c.revoked_utc)
    return board.rows(query.order_by(TOKENS.c.id))


def author_of(board: Board, token: str) -> tuple[int, str] | None:
    """``(token id, author)`` of an active token, else ``None``."""
    if not token or len(token) > 128:
        return None
    query = select(TOKENS.c.id, TOKENS.c.author).where(
        TOKENS.c.token_sha256 == _digest(token), TOKENS.c.revoked_utc.is_(None)
    )
    rows = board.rows(query)
    return (rows[0]["id"], rows[0]["author"]) if rows else None
