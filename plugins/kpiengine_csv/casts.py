"""Text cells to typed values, as DuckDB SQL: what each type accepts, and what to say when not.

Every cast is a TRY form that yields NULL for a value it does not accept; a cell that has text
but casts to NULL is a bad cell. Empty cells (and cells of only spaces) are NULL, never bad.
"""

from __future__ import annotations

from kpiengine import FieldType

# Excel and Chinese input methods leave no-break and full-width (U+3000) spaces around values.
SPACES = " \t\u00a0\u3000"

PLAIN_NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
GROUPED_NUMBER = r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?"
PERCENT = r"[+-]?(\d+\.?\d*|\.\d+)%"
DATE = (
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
TRUE_WORDS = ("true", "1", "yes", "是")
FALSE_WORDS = ("false", "0", "no", "否")

REASONS: dict[FieldType, str] = {
    "number": "is not a number",
    "integer": "is not a whole number",
    "date": "is not a date (write it as YYYY-MM-DD)",
    "boolean": "is not true or false (write true/false, yes/no, 1/0 or 是/否)",
    "string": "is not text",
}
"""What a bad cell is, completing "column 'amount': '12,5O0' …"."""


def text_sql(column: str) -> str:
    """The cell's text without surrounding spaces; NULL when nothing is left."""
    return f"nullif(trim({column}, '{SPACES}'), '')"


def _number_sql(text: str, decimal: str) -> str:
    # 1,200,000 is read as thousands; 12,5 is refused because a comma decimal is ambiguous.
    return (
        f"CASE WHEN regexp_full_match({text}, '{PLAIN_NUMBER}') "
        f"THEN TRY_CAST({text} AS {decimal}) "
        f"WHEN regexp_full_match({text}, '{GROUPED_NUMBER}') "
        f"THEN TRY_CAST(replace({text}, ',', '') AS {decimal}) "
        f"WHEN regexp_full_match({text}, '{PERCENT}') "
        f"THEN TRY_CAST(TRY_CAST(rtrim({text}, '%') AS DECIMAL(36,6)) * 0.01 AS {decimal}) END"
    )


def _integer_sql(text: str) -> str:
    number = _number_sql(text, "DECIMAL(38,6)")
    return f"CASE WHEN ({number}) = trunc({number}) THEN TRY_CAST({number} AS BIGINT) END"


def _date_sql(text: str) -> str:
    parts = f"regexp_extract({text}, '{DATE}', ['y', 'm', 'd'])"
    year, month, day = (f"{parts}['{k}']" for k in "ymd")
    iso = f"concat({year}, '-', lpad({month}, 2, '0'), '-', lpad({day}, 2, '0'))"
    return f"CASE WHEN {year} <> '' THEN TRY_CAST({iso} AS DATE) END"


def _boolean_sql(text: str) -> str:
    words = ", ".join(f"'{w}'" for w in TRUE_WORDS)
    nots = ", ".join(f"'{w}'" for w in FALSE_WORDS)
    lowered = f"lower({text})"
    return f"CASE WHEN {lowered} IN ({words}) THEN true WHEN {lowered} IN ({nots}) THEN false END"


def cast_sql(column: str, field_type: FieldType) -> str:
    """SQL for the typed value of a text column: DECIMAL(38,6), BIGINT, DATE, BOOLEAN or VARCHAR."""
    if field_type == "string":
        return column
    text = text_sql(column)
    if field_type == "number":
        return _number_sql(text, "DECIMAL(38,6)")
    if field_type == "integer":
        return _integer_sql(text)
    if field_type == "date":
        return _date_sql(text)
    return _boolean_sql(text)


def bad_sql(column: str, value: str) -> str:
    """SQL that is true where the cell has text but its typed value is NULL."""
    return f"({text_sql(column)} IS NOT NULL AND {value} IS NULL)"
