"""`${NAME}` in options: only the variables KPIENGINE_ALLOW_ENV allows, only as the whole value of
an option its plugin declares a secret, a web address or a file it reads; never printed."""

import json
from http.server import BaseHTTPRequestHandler

import pytest
from kpitest import ROOT, invoke
from loopback import LoopbackServer, running

from kpiengine.plan.envvars import (
    ALLOW_ENV,
    UnsetVariableError,
    VariableUseError,
    allowance,
    has_variables,
    resolve,
)
from kpiengine.plan.option_variables import variable_findings
from kpiengine.plan.resolved_options import VariableValueError, resolved_options

AKIA = "AKIAIOSFODNN7EXAMPLE-wJalrXUtnFEMI"
"""A stand-in for a cloud key sitting in the environment."""


@pytest.fixture
def allow(monkeypatch):
    """Allow these variables, as a user does with KPIENGINE_ALLOW_ENV."""

    def allowing(*entries):
        monkeypatch.setenv(ALLOW_ENV, ",".join(entries))

    monkeypatch.delenv(ALLOW_ENV, raising=False)
    return allowing


# -- which variables: KPIENGINE_ALLOW_ENV ------------------------------------------------------


def test_the_allow_list_takes_names_and_prefixes_and_ignores_anything_else():
    found = allowance({ALLOW_ENV: " JDY_*, HUBSPOT_TOKEN ,*, AWS SECRET,,SF_*"})
    assert found.allows("JDY_API_KEY") and found.allows("SF_CLIENT_ID")
    assert found.allows("HUBSPOT_TOKEN") and not found.allows("HUBSPOT_TOKEN_2")
    assert not found.allows("AWS_SECRET_ACCESS_KEY")
    assert found.ignored == ("*", "AWS SECRET")


def test_nothing_is_allowed_when_the_allow_list_is_not_set():
    assert not allowance({}).allows("JDY_API_KEY")


# -- which options: the plugin's declaration ---------------------------------------------------

CRM = {
    "type": "object",
    "properties": {
        "api_key": {"type": "string", "writeOnly": True},
        "base_url": {
            "type": "string",
            "pattern": "^https?://[^/]+/?$",
            "patternErrorMessage": "a web address such as https://crm.example.com",
            "x-kpiengine": "web-address",
        },
        "key_file": {"type": "string", "x-kpiengine": "file-read"},
        "report": {"type": "string", "x-kpiengine": "file-written"},
        "module": {"type": "string", "minLength": 1},
        "stages": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]"}},
    },
}
EVERYTHING = {ALLOW_ENV: "CRM_*,AWS_*"}


def findings(options, env=EVERYTHING):
    return [(f.path, f.message) for f in variable_findings(options, CRM, env)]


def test_a_secret_a_web_address_and_a_file_read_may_be_a_whole_variable():
    options = {"api_key": "${CRM_KEY}", "base_url": "${CRM_URL}", "key_file": "${CRM_PEM}"}
    assert findings(options) == []


def test_a_variable_inside_longer_text_is_refused_even_when_allowed():
    [(path, message)] = findings({"base_url": "http://host/exfil/${AWS_SECRET}"})
    assert path == ("base_url",)
    assert message == (
        "this option takes a variable only as its whole value, never inside longer text: "
        'write "${AWS_SECRET}" and put the whole web address in AWS_SECRET'
    )
    [(_, message)] = findings({"api_key": "Bearer ${CRM_KEY}"})
    assert message.startswith("a secret is a variable only as its whole value")


def test_an_option_not_declared_takes_no_variable():
    [(path, message)] = findings({"module": "${CRM_MODULE}"})
    assert path == ("module",)
    assert message.startswith("takes no environment variable: write its value here")
    assert message.endswith("here: api_key, base_url, key_file)")
    assert findings({"stages": ["Won", "${CRM_LOST}"]})[0][0] == ("stages", 1)


def test_a_file_the_plugin_writes_takes_no_variable():
    [(path, message)] = findings({"report": "${CRM_REPORT}"})
    assert path == ("report",)
    assert message.startswith("is a file the run writes")


def test_a_variable_not_allowed_is_named_with_how_to_allow_it():
    [(_, message)] = findings({"api_key": "${AWS_KEY}"}, {ALLOW_ENV: "JDY_*,*"})
    assert message == (
        "the environment variable AWS_KEY is not allowed: a ruleset reads only the variables "
        "KPIENGINE_ALLOW_ENV allows (KPIENGINE_ALLOW_ENV allows: JDY_*; ignored: '*', which are "
        "not names or prefixes such as JDY_*) — add AWS_KEY to it if this ruleset should read it"
    )
    [(_, message)] = findings({"api_key": "${AWS_KEY}"}, {})
    assert "(KPIENGINE_ALLOW_ENV is not set) — set KPIENGINE_ALLOW_ENV=AWS_KEY" in message


# -- reading them ------------------------------------------------------------------------------


def test_whole_variables_in_options_are_resolved_and_nothing_else_is():
    env = {ALLOW_ENV: "SF_*", "SF_ID": "abc"}
    assert resolve({"client_id": "${SF_ID}", "n": 3, "l": ["${SF_ID}"]}, "o", env) == {
        "client_id": "abc",
        "n": 3,
        "l": ["abc"],
    }
    with pytest.raises(VariableUseError, match="only as an option's whole value"):
        resolve({"x": "a-${SF_ID}"}, "o", env)


def test_an_unset_variable_names_the_variable_and_where_it_is_used():
    with pytest.raises(UnsetVariableError) as info:
        resolve({"client_secret": "${SF_SECRET}"}, "sources.crm.options", {ALLOW_ENV: "SF_*"})
    message = str(info.value)
    assert "SF_SECRET" in message and "sources.crm.options.client_secret" in message


def test_a_variable_not_allowed_is_never_read_even_when_set():
    with pytest.raises(VariableUseError, match="AWS_KEY is not allowed"):
        resolve({"api_key": "${AWS_KEY}"}, "sources.crm.options", {"AWS_KEY": AKIA})


def test_has_variables_finds_them_anywhere():
    assert has_variables({"a": [{"b": "${X}"}]})
    assert not has_variables({"a": ["$X", "{X}"]})


def refusal(options, env):
    with pytest.raises(VariableValueError) as info:
        resolved_options(options, CRM, "sources.crm.options", {ALLOW_ENV: "CRM_*", **env})
    return str(info.value)


def test_a_variable_holding_a_web_address_fills_a_web_address_option():
    env = {ALLOW_ENV: "CRM_*", "CRM_URL": "https://eu.crm.example.com", "CRM_KEY": "k-123456"}
    options = {"base_url": "${CRM_URL}", "api_key": "${CRM_KEY}", "module": "Deals"}
    assert resolved_options(options, CRM, "sources.crm.options", env) == {
        "base_url": "https://eu.crm.example.com",
        "api_key": "k-123456",
        "module": "Deals",
    }


def test_a_variable_that_holds_no_web_address_is_named_and_its_value_never_shown():
    message = refusal({"base_url": "${CRM_URL}"}, {"CRM_URL": "tok-secret-123"})
    assert message == (
        "sources.crm.options.base_url: the environment variable CRM_URL does not hold "
        "a web address such as https://crm.example.com"
    )


def test_a_use_refused_at_load_is_refused_when_the_plan_runs_too():
    with pytest.raises(VariableUseError) as info:
        resolved_options({"module": "${CRM_MODULE}"}, CRM, "outputs[0].options", EVERYTHING)
    assert str(info.value).startswith("outputs[0].options.module: takes no environment variable")


def test_options_without_variables_are_passed_on_unchecked():
    # the ruleset's schema checked them at load; only a variable's value is new at run time
    assert resolved_options({"module": "Deals"}, {"type": "object"}, "outputs[0].options") == {
        "module": "Deals"
    }


# -- a hostile ruleset, end to end -------------------------------------------------------------


class Recording(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.seen.append(self.path)
        self.send_response(500)
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args):
        pass


PLAN = """\
kpiengine: 1
name: hostile
calendar: {{year: 2025, frequency: quarter}}
sources:
  reps: {{plugin: csv, options: {{path: reps.csv}}}}
  deals:
    plugin: {plugin}
    options: {options}
subjects: {{source: reps, id: rep_id, name: name}}
indicators:
  - {{id: revenue, name: Revenue, weight: 100, target: 100,
     actual: {{source: deals, sum: amount, date: closed_on}}}}
grades:
  - {{grade: A, min: 0}}
"""


def hostile(tmp_path, plugin, options):
    (tmp_path / "reps.csv").write_text("rep_id,name\nR001,Ann\n", "utf-8")
    (tmp_path / "deals.csv").write_text("owner,amount,closed_on\nR001,5,2025-01-02\n", "utf-8")
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN.format(plugin=plugin, options=options), "utf-8")
    return plan


def test_env_secret_cannot_be_interpolated_into_base_url(tmp_path, monkeypatch, allow):
    monkeypatch.setenv("AWS_SECRET", AKIA)
    monkeypatch.setenv("JDY_KEY", "jdy-key-0123456789")
    allow("AWS_*", "JDY_*")  # even a variable the user allows is never put into an address
    with running(server := LoopbackServer(Recording, seen=[])):
        options = (
            f'{{base_url: "{server.url}/exfil/${{AWS_SECRET}}", api_key: "${{JDY_KEY}}", '
            "app_id: a1, entry_id: e1}"
        )
        plan = hostile(tmp_path, "jiandaoyun", options)
        for command in (["validate", plan], ["run", "--ruleset", plan, "-o", "json:-"]):
            result = invoke(*command)
            assert result.exit_code == 1
            assert (
                "sources.deals.options.base_url: this option takes a variable only as its "
                "whole value, never inside longer text"
            ) in result.stderr
            assert AKIA not in result.output
    assert server.seen == []


def test_env_secret_cannot_fill_a_secret_option_unless_allowed(tmp_path, monkeypatch, allow):
    monkeypatch.setenv("AWS_SECRET", AKIA)
    allow("JDY_*")
    with running(server := LoopbackServer(Recording, seen=[])):
        options = (
            f'{{base_url: "{server.url}", api_key: "${{AWS_SECRET}}", app_id: a, entry_id: e}}'
        )
        result = invoke("run", "--ruleset", hostile(tmp_path, "jiandaoyun", options))
    assert result.exit_code == 1
    assert "AWS_SECRET is not allowed" in result.stderr
    assert AKIA not in result.output
    assert server.seen == []


def test_env_variable_in_a_path_is_refused_and_never_printed(tmp_path, monkeypatch, allow):
    monkeypatch.setenv("SECRET", AKIA)
    allow("SECRET")
    plan = hostile(tmp_path, "csv", '{path: "/nonexistent/${SECRET}/deals.csv"}')
    result = invoke("run", "--ruleset", plan, "-o", "json:-")
    assert result.exit_code == 1
    assert (
        "plan.yaml:8:21: sources.deals.options.path: this option takes a variable only as its "
        "whole value"
    ) in result.stderr
    assert AKIA not in result.output


def test_env_variable_holding_a_whole_path_is_never_printed(tmp_path, monkeypatch, allow):
    monkeypatch.setenv("SECRET", f"/nonexistent/{AKIA}/deals.csv")
    allow("SECRET")
    result = invoke("run", "--ruleset", hostile(tmp_path, "csv", '{path: "${SECRET}"}'))
    assert result.exit_code == 1
    assert "${SECRET}" in result.stderr
    assert AKIA not in result.output


def test_env_variable_in_rejects_file_name_is_refused(tmp_path, monkeypatch, allow):
    monkeypatch.setenv("SECRET", AKIA)
    allow("SECRET")
    options = '{path: deals.csv, on_error: skip, rejects: "rejects-${SECRET}.csv"}'
    result = invoke("validate", hostile(tmp_path, "csv", options))
    assert result.exit_code == 1
    assert "sources.deals.options.rejects: is a file the run writes" in result.stderr
    assert AKIA not in result.output


def test_env_variable_not_allowed_is_refused_at_load(tmp_path, monkeypatch, allow):
    monkeypatch.setenv("KPI_DEALS", str(tmp_path / "deals.csv"))
    plan = hostile(tmp_path, "csv", '{path: "${KPI_DEALS}"}')
    result = invoke("validate", plan)
    assert result.exit_code == 1
    assert "sources.deals.options.path: the environment variable KPI_DEALS is not allowed" in (
        result.stderr
    )
    allow("KPI_*")
    assert invoke("validate", plan).exit_code == 0
    document = json.loads(invoke("run", "--ruleset", plan, "-o", "json:-").stdout)
    assert document["results"][0]["indicators"]["revenue"]["actual"] == 5


def test_the_shipped_rulesets_name_only_variables_of_their_own(allow):
    """What a user allows for the example rulesets: one prefix per connector."""
    allow("JDY_*", "SF_*", "HUBSPOT_*", "ZOHO_*")
    rulesets = sorted((ROOT / "rulesets").rglob("*.yaml"))
    result = invoke("validate", *rulesets)
    assert result.exit_code == 0, result.output
