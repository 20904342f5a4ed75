"""The built-in jiandaoyun plugin (简道云): a form as a source, and results written back."""

from __future__ import annotations
