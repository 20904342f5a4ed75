import io

from kpiengine.phases import phase


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_phases_say_nothing_when_stderr_is_not_a_terminal():
    stream = io.StringIO()
    with phase("scoring", stream):
        pass
    assert stream.getvalue() == ""


def test_phases_show_what_ran_and_how_long_on_a_terminal():
    stream = Terminal()
    with phase("scoring 12 people", stream):
        pass
    assert "scoring 12 people …" in stream.getvalue()
    assert " s" in stream.getvalue()
