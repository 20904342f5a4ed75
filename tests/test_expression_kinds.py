"""Expressions are type-checked at load: a number where a score, an amount, a multiplier, a
tier's `on` or a rank belongs, a condition in `where`, `when` and `gate`, numbers (not text) in
arithmetic. A true/false value once paid as 1 and text as 0, without a word; `run` paid 13,500
on `tiers.on: "'a' == 'a'"` where `explain` showed 0. What only the run can know (a plugin's
function) is checked when the plan runs, naming the rule and the subject."""

import pytest
from kpitest import invoke
from numbers_plan import prepare, problems, write

from kpiengine.errors import KpiEngineError
from kpiengine.evaluate.engine import evaluate
from kpiengine.plan.load import load_ruleset
from kpiengine.plugins import Function, registry


@pytest.fixture
def here(tmp_path, monkeypatch):
    return prepare(tmp_path, monkeypatch)


BOOLEAN = "to count a condition as 1 write 1 if … else 0"


def refused(folder, path, says):
    """`validate` exits 1 with one problem at `path`, which says `says`."""
    code, lines = problems(folder)
    assert code == 1, lines
    found = [line for line in lines if line.split(": ")[1] == path]
    assert len(found) == 1 and says in found[0], lines
    return found[0]


def test_boolean_tiers_on_is_refused(here):
    write(here, change=('"on": revenue.attainment', "\"on\": \"'a' == 'a'\""))
    line = refused(
        here, "incentives[0].tiers.on", "this gives a true/false value where a number is needed"
    )
    assert line.startswith("25:13: ") and BOOLEAN in line
    result = invoke("run", "--ruleset", "plan.yaml", "-o", "json:-")
    assert result.exit_code == 1 and result.stdout == ""


def test_boolean_score_is_refused(here):
    write(here, change=("    target: 1000000\n", "    target: 1000000\n    score: actual > 0\n"))
    refused(here, "indicators[0].score", "this gives a true/false value where a number is needed")


def test_text_score_is_refused(here):
    write(here, change=("    target: 1000000\n", "    target: 1000000\n    score: \"'high'\"\n"))
    refused(here, "indicators[0].score", "this gives text where a number is needed")


def test_boolean_multiplier_is_refused(here):
    write(
        here,
        change=(
            "    base: revenue.actual\n",
            "    base: revenue.actual\n    multiplier: total > 50\n",
        ),
    )
    refused(here, "incentives[0].multiplier", "this gives a true/false value where a number")


def test_text_multiplier_is_refused(here):
    write(
        here,
        change=("    base: revenue.actual\n", "    base: revenue.actual\n    multiplier: grade\n"),
    )
    refused(here, "incentives[0].multiplier", "this gives text where a number is needed")


def test_boolean_amount_is_refused(here):
    write(here, "- {id: bonus, amount: revenue.attainment >= 1}\n")
    refused(here, "incentives[0].amount", "this gives a true/false value where a number is needed")


def test_text_amount_is_refused(here):
    write(here, "- {id: bonus, amount: \"'1000'\"}\n")
    refused(here, "incentives[0].amount", "this gives text where a number is needed")


def test_boolean_rank_by_is_refused(here):
    write(here, "- {id: champion, honor: {rank_by: revenue.actual > 0}, amount: 500}\n")
    refused(here, "incentives[0].honor.rank_by", "this gives a true/false value where a number")


def test_text_rank_by_is_refused(here):
    write(here, "- {id: champion, honor: {rank_by: grade}, amount: 500}\n")
    refused(here, "incentives[0].honor.rank_by", "this gives text where a number is needed")


WRONG_KINDS = {
    "a number as a gate": (
        ("    base: revenue.actual\n", "    base: revenue.actual\n    gate: revenue.attainment\n"),
        "incentives[0].gate",
        "this gives a number where a condition (true or false) is needed; compare the number",
    ),
    "a number as feedback's when": (
        ("grades:", "feedback: [{when: total, message: hi}]\ngrades:"),
        "feedback[0].when",
        "this gives a number where a condition (true or false) is needed",
    ),
    "a number as an aggregation's where": (
        ("where: \"stage == 'won'\", date", 'where: "amount * 2", date'),
        "metrics.won_deals.where",
        "this gives a number where a condition (true or false) is needed",
    ),
    "text in arithmetic": (
        ("    base: revenue.actual\n", "    base: revenue.actual + grade\n"),
        "incentives[0].base",
        "'+' works on numbers",
    ),
    "text times a number": (
        ("    base: revenue.actual\n", "    base: grade * 2\n"),
        "incentives[0].base",
        "multiplying text is not allowed",
    ),
    "a condition summed": (
        ("sum: amount, where", 'sum: "amount > 0", where'),
        "indicators[0].actual.sum",
        "this gives a true/false value where a number is needed",
    ),
    "a derived actual that is a condition": (
        (
            "    target: 1000000\n",
            "    target: 1000000\n  - {id: many, weight: 0, target: 1, actual: won_deals > 2}\n",
        ),
        "indicators[1].actual",
        "this gives a true/false value where a number is needed",
    ),
    "a number compared with a grade": (
        ("    base: revenue.actual\n", "    base: revenue.actual\n    gate: grade > 3\n"),
        "incentives[0].gate",
        "cannot compare text with a number using '>'",
    ),
    "a curve on text": (
        (
            "  - id: commission\n",
            "  - {id: kicker, curve: {'on': grade, amount: 1000, points: [[0, 0], [1, 1]]}}\n"
            "  - id: commission\n",
        ),
        "incentives[0].curve.on",
        "this gives text where a number is needed",
    ),
    "a condition as a curve's amount": (
        (
            "  - id: commission\n",
            "  - {id: kicker, curve: {'on': total, amount: total > 1, points: [[0, 0], [1, 1]]}}\n"
            "  - id: commission\n",
        ),
        "incentives[0].curve.amount",
        "this gives a true/false value where a number is needed",
    ),
    "a level indicator's actual in arithmetic": (
        (
            "    target: 1000000\n",
            "    target: 1000000\n  - id: mood\n    weight: 0\n    levels: {good: 1, bad: 0}\n"
            "    target: good\n    actual: {source: deals, last: stage, date: closed_on}\n",
        ),
        "incentives[0].base",
        "multiplying text is not allowed",
        ("    base: revenue.actual\n", "    base: mood.actual * 2\n"),
    ),
}


@pytest.mark.parametrize("case", list(WRONG_KINDS))
def test_wrong_kind_is_refused_at_load(here, case):
    change, path, says, *more = WRONG_KINDS[case]
    write(here, change=change, **({"more": more[0]} if more else {}))
    refused(here, path, says)


def test_the_right_kinds_still_load(here):
    write(
        here,
        """\
        - id: bonus
          amount: "1000 if grade == 'A' else coalesce(revenue.attainment, 0) * 10"
          gate: "won_deals >= 1 and not (grade in ('B',))"
          multiplier: "1 + len(lower(grade)) / 10"
        - {id: champion, honor: {rank_by: "revenue.actual", within: team}, amount: 500}
        """,
        feedback=("grades:", "feedback: [{when: \"grade == 'A'\", message: top}]\ngrades:"),
    )
    assert problems(here) == (0, [])


def truthy_registry():
    """The installed plugins, and a plugin's function whose SQL gives true/false: loading cannot
    know that, only the run can."""
    reg = registry()
    reg.functions["positive"] = Function("positive", lambda x: x > 0, "({0} > 0)", "demo")
    return reg


def test_a_kind_only_the_run_knows_is_refused_not_coerced(here):
    write(here, "- {id: bonus, amount: positive(revenue.actual)}\n")
    reg = truthy_registry()
    ruleset = load_ruleset(here / "plan.yaml", reg).ruleset
    with pytest.raises(KpiEngineError) as failure:
        evaluate(ruleset, reg, ["2025-Q1"])
    assert str(failure.value) == (
        "incentives[0].amount: this gives a true/false value where a number is needed; "
        "to count a condition as 1 write 1 if … else 0, for subject 'R1' in 2025-Q1 and every "
        "other alike (a function gives it: its kind shows only once the plan runs) "
        '(in "positive(revenue.actual)")'
    )


def test_a_condition_only_the_run_knows_is_accepted_where_one_belongs(here):
    write(
        here,
        change=(
            "    base: revenue.actual\n",
            "    base: revenue.actual\n    gate: positive(total)\n",
        ),
    )
    reg = truthy_registry()
    run = evaluate(load_ruleset(here / "plan.yaml", reg).ruleset, reg, ["2025-Q1"])
    run.store.close()
    paid = {row.subject: row.incentives["commission"] for row in run.results.rows}
    assert paid == {"R1": 9000, "R2": 16000}
