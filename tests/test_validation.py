import pytest

from launcher.appstream.errors import ValidationError
from launcher.appstream.models import StreamingRequest
from launcher.appstream.validation import (
    check_streaming_request,
    validate_application_id,
    validate_resource_name,
    validate_session_context,
    validate_streaming_request,
    validate_user_id,
    validate_validity,
)


@pytest.mark.parametrize("value", ["ab", "a" * 32, "test.user@example.com", "x_y+z=1,2-3", "Ab09"])
def test_user_id_accepts_valid(value):
    assert validate_user_id(value) == value


@pytest.mark.parametrize(
    ("value", "expected_text"),
    [
        ("", "missing"),
        ("a", "too short"),
        ("a" * 33, "too long"),
        ("has space", "' '"),
        ("semi;colon", "';'"),
        ("ümlaut", "'ü'"),
        ("tab\tuser", "'\\t'"),
    ],
)
def test_user_id_rejects_invalid(value, expected_text):
    with pytest.raises(ValidationError) as raised:
        validate_user_id(value)
    assert expected_text in raised.value.message


def test_user_id_error_names_field():
    with pytest.raises(ValidationError) as raised:
        validate_user_id("a")
    assert raised.value.field == "user_id"


def test_user_id_error_names_value():
    with pytest.raises(ValidationError) as raised:
        validate_user_id("bad user")
    assert "'bad user'" in raised.value.message


def test_user_id_rejects_non_string():
    with pytest.raises(ValidationError):
        validate_user_id(None)


@pytest.mark.parametrize(("value", "expected"), [(1, 1), (604800, 604800), ("60", 60), (" 300 ", 300)])
def test_validity_accepts_range(value, expected):
    assert validate_validity(value) == expected


@pytest.mark.parametrize("value", [0, -1, 604801, "0", "604801", "1.5", "abc", "", 1.5, True, None, "٣"])
def test_validity_rejects_invalid(value):
    with pytest.raises(ValidationError):
        validate_validity(value)


def test_validity_error_names_range():
    with pytest.raises(ValidationError) as raised:
        validate_validity(604801)
    assert "604800" in raised.value.message


def test_session_context_none_is_allowed():
    assert validate_session_context(None) is None


@pytest.mark.parametrize("value", ["", "   ", "\t"])
def test_session_context_rejects_blank(value):
    with pytest.raises(ValidationError):
        validate_session_context(value)


def test_session_context_rejects_too_long():
    with pytest.raises(ValidationError):
        validate_session_context("x" * 1001)


@pytest.mark.parametrize("value", ["", None])
def test_resource_name_rejects_missing(value):
    with pytest.raises(ValidationError) as raised:
        validate_resource_name("stack", value)
    assert "The stack name is missing" in raised.value.message


@pytest.mark.parametrize("value", [" lead", "-dash", "bad/slash", "a" * 102])
def test_resource_name_rejects_malformed(value):
    with pytest.raises(ValidationError):
        validate_resource_name("fleet", value)


def test_application_id_none_means_catalog():
    assert validate_application_id(None) is None


def test_application_id_rejects_blank():
    with pytest.raises(ValidationError):
        validate_application_id(" ")


def test_check_request_lists_every_invalid_field():
    request = StreamingRequest(stack_name="", fleet_name="f", user_id="x", validity_seconds=0, session_context="")
    problems = check_streaming_request(request)
    assert set(problems) == {"stack", "user_id", "validity", "session_context"}


def test_check_request_valid_is_empty():
    request = StreamingRequest(stack_name="s", fleet_name="f", user_id="user1", validity_seconds=60)
    assert check_streaming_request(request) == {}


def test_validate_request_converts_validity_text():
    request = StreamingRequest(stack_name="s", fleet_name="f", user_id="user1", validity_seconds="120")
    assert validate_streaming_request(request).validity_seconds == 120


def test_user_id_strips_surrounding_spaces():
    assert validate_user_id("  test-user \n") == "test-user"


def test_streaming_request_strips_user_id():
    request = StreamingRequest(stack_name="office-hq", fleet_name="office-always-on", user_id=" test-user ")

    assert validate_streaming_request(request).user_id == "test-user"
