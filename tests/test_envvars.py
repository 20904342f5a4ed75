import pytest

from kpiengine.plan.envvars import UnsetVariableError, has_variables, resolve
from kpiengine.plan.resolved_options import VariableValueError, resolved_options


def test_variables_in_nested_options_are_resolved():
    options = {"client_id": "${SF_ID}", "nested": ["x-${SF_ID}-y"], "n": 3}
    assert resolve(options, "sources.crm.options", {"SF_ID": "abc"}) == {
        "client_id": "abc",
        "nested": ["x-abc-y"],
        "n": 3,
    }


def test_an_unset_variable_names_the_variable_and_where_it_is_used():
    with pytest.raises(UnsetVariableError) as info:
        resolve({"client_secret": "${SF_SECRET}"}, "sources.crm.options", {})
    message = str(info.value)
    assert "SF_SECRET" in message and "sources.crm.options.client_secret" in message


def test_has_variables_finds_them_anywhere():
    assert has_variables({"a": [{"b": "${X}"}]})
    assert not has_variables({"a": ["$X", "{X}"]})


# -- resolved options, checked against the plugin's schema -----------------------------------

CRM = {
    "type": "object",
    "properties": {
        "base_url": {
            "type": "string",
            "pattern": "^https?://[^/]+/?$",
            "patternErrorMessage": "a web address such as https://crm.example.com",
        },
        "module": {"type": "string", "minLength": 1},
        "stages": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]"}},
    },
}


def refusal(options, env):
    with pytest.raises(VariableValueError) as info:
        resolved_options(options, CRM, "sources.crm.options", env)
    return str(info.value)


def test_a_variable_holding_a_web_address_fills_a_web_address_option():
    env = {"CRM_HOST": "eu.crm.example.com", "CRM_MODULE": "Deals"}
    options = {"base_url": "https://${CRM_HOST}", "module": "${CRM_MODULE}", "stages": ["Won"]}
    assert resolved_options(options, CRM, "sources.crm.options", env) == {
        "base_url": "https://eu.crm.example.com",
        "module": "Deals",
        "stages": ["Won"],
    }


def test_a_variable_that_holds_no_web_address_is_named_and_its_value_never_shown():
    message = refusal({"base_url": "${CRM_URL}"}, {"CRM_URL": "tok-secret-123"})
    assert message == (
        "sources.crm.options.base_url: the environment variable CRM_URL does not hold "
        "a web address such as https://crm.example.com"
    )


def test_a_variable_inside_longer_text_is_checked_once_filled_in():
    message = refusal({"base_url": "https://${CRM_HOST}"}, {"CRM_HOST": "crm.example.com/x/y"})
    assert message == (
        "sources.crm.options.base_url: with the environment variable CRM_HOST filled in, "
        "it is not a web address such as https://crm.example.com"
    )
    assert "crm.example.com/x/y" not in message


def test_an_empty_variable_and_a_list_item_are_named_where_they_are():
    assert refusal({"module": "${CRM_MODULE}"}, {"CRM_MODULE": ""}) == (
        "sources.crm.options.module: the environment variable CRM_MODULE does not hold any text"
    )
    assert refusal({"stages": ["Won", "${LOST}"]}, {"LOST": "lost"}) == (
        "sources.crm.options.stages[1]: the environment variable LOST does not hold "
        "text of the form ^[A-Z]"
    )


def test_options_without_variables_are_passed_on_unchecked():
    # the ruleset's schema checked them at load; only a variable's value is new at run time
    assert resolved_options({"module": "Deals"}, {"type": "object"}, "outputs[0].options") == {
        "module": "Deals"
    }
