import pytest

from kpiengine.plan.envvars import UnsetVariableError, has_variables, resolve


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
