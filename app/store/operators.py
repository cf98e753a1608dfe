"""Operator accounts: names, roles, Argon2id PIN hashes and sign-in back-off."""

from __future__ import annotations

from app.store.base import StoreBase


class OperatorMixin(StoreBase):
    pass
