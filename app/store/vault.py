"""Rows of the secrets vault: wrapped data keys, and settings."""

from __future__ import annotations

from app.store.base import StoreBase


class VaultMixin(StoreBase):
    pass
