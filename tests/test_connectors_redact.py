"""The toolkit's redactor: secrets out of messages, log records (any logger) and tracebacks."""

import logging

import pytest

from kpiengine import Redactor, SourceError, secret_option_names

SECRET = "sk-live-4f9a1c2b3d"
SCHEMA = {
    "type": "object",
    "properties": {
        "api_key": {"type": "string", "writeOnly": True},
        "client_secret": {"type": "string", "writeOnly": True},
        "app_id": {"type": "string"},
    },
}


def test_secret_options_are_those_the_schema_marks_write_only():
    assert secret_option_names(SCHEMA) == ["api_key", "client_secret"]
    assert secret_option_names({"type": "object"}) == []


def test_a_redactor_for_options_knows_their_resolved_secret_values():
    redactor = Redactor.for_options({"api_key": SECRET, "app_id": "app-1"}, SCHEMA)
    assert redactor.redact(f"app app-1 with key {SECRET}") == "app app-1 with key ***"


def test_every_occurrence_and_the_url_encoded_form_are_masked():
    secret = "key with/slash+plus"
    redactor = Redactor([secret])
    text = f"{secret} and again {secret}; url ?key=key%20with%2Fslash%2Bplus"
    assert redactor.redact(text) == "*** and again ***; url ?key=***"


def test_values_too_short_to_be_secrets_are_left_alone():
    assert Redactor(["ab", ""]).redact("a tab bar") == "a tab bar"


def test_log_records_of_any_logger_are_redacted_inside_the_block(caplog):
    caplog.set_level(logging.DEBUG)
    with Redactor([SECRET]).scrubbed():
        logging.getLogger("httpx").debug("Authorization: Bearer %s", SECRET)
        logging.getLogger("some.vendor.sdk").warning(f"token {SECRET} refused")
    assert SECRET not in caplog.text
    assert "Authorization: Bearer ***" in caplog.text
    assert "token *** refused" in caplog.text


def test_log_records_outside_the_block_are_untouched(caplog):
    caplog.set_level(logging.INFO)
    with Redactor([SECRET]).scrubbed():
        pass
    logging.getLogger("elsewhere").info("value %s", SECRET)
    assert SECRET in caplog.text


def test_an_escaping_exception_and_its_chain_are_scrubbed():
    def fail():
        try:
            raise ConnectionError(f"could not send key={SECRET}")
        except ConnectionError as inner:
            raise SourceError(f"source 'deals': failed with {SECRET}") from inner

    with pytest.raises(SourceError) as failure, Redactor([SECRET]).scrubbed():
        fail()
    assert str(failure.value) == "source 'deals': failed with ***"
    assert SECRET not in str(failure.value.__cause__)


def test_a_logged_traceback_is_scrubbed(caplog):
    caplog.set_level(logging.ERROR)
    with Redactor([SECRET]).scrubbed():
        try:
            raise RuntimeError(f"boom {SECRET}")
        except RuntimeError:
            logging.getLogger("x").exception("while fetching")
    assert SECRET not in caplog.text
    assert "boom ***" in caplog.text


def test_redaction_catches_upper_cased_and_cut_secrets():
    """A vendor that echoes the token back in capitals or cut by a character."""
    redactor = Redactor([SECRET])
    for echoed in (SECRET.upper(), SECRET[1:], SECRET[:-1], SECRET.title(), SECRET[2:-2]):
        assert redactor.redact(f"invalid token '{echoed}' refused") == "invalid token '***' refused"


def test_short_pieces_of_a_secret_are_left_alone():
    # a piece shorter than eight characters is ordinary text ("sk-live" is a prefix many share)
    assert Redactor([SECRET]).redact("keys start with sk-live") == "keys start with sk-live"


def test_a_naming_redactor_shows_a_value_as_its_variable():
    redactor = Redactor.naming({"/srv/data/AKIA1234": "${KPI_DATA}"})
    assert redactor.redact("cannot find /srv/data/AKIA1234/deals.csv") == (
        "cannot find ${KPI_DATA}/deals.csv"
    )
