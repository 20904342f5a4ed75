"""The words of the console table, in the ruleset's locale (Chinese or English)."""

from __future__ import annotations

from collections.abc import Mapping

ENGLISH: Mapping[str, str] = {
    "subject": "ID",
    "name": "name",
    "total": "total",
    "grade": "grade",
    "rank": "rank ({group})",
    "payout": "payout",
    "warning": "warning",
    "feedback": "feedback",
    "honor": "honor",
    "group": "group",
    "members": "members",
}

CHINESE: Mapping[str, str] = {
    "subject": "编号",
    "name": "姓名",
    "total": "总分",
    "grade": "等级",
    "rank": "{group}排名",
    "payout": "奖金",
    "warning": "提醒",
    "feedback": "建议",
    "honor": "荣誉",
    "group": "组",
    "members": "人数",
}


def labels_for(locale: str) -> Mapping[str, str]:
    """Chinese words for a zh-* locale, English otherwise."""
    return CHINESE if locale.lower().startswith("zh") else ENGLISH
