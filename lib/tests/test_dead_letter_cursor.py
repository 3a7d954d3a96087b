"""The cursor of a replay that goes page by page is the replay's own: what the
last answer gave comes back intact, anything else is a field error."""
import pytest

from college_platform.dead_letters import decode_cursor, encode_cursor
from college_platform.errors import InvalidInput


def test_a_cursor_comes_back_as_it_was_given():
    assert decode_cursor(encode_cursor("a1b2", 40, 12)) == ("a1b2", 40, 12)


@pytest.mark.parametrize("cursor", ["", "not base64!", "e30", encode_cursor("r", 3, 5)])
def test_anything_else_is_a_field_error_on_the_cursor(cursor):
    with pytest.raises(InvalidInput) as refused:
        decode_cursor(cursor)
    assert list(refused.value.errors) == ["cursor"]
