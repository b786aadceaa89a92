from hypothesis import given, settings
from hypothesis import strategies as st

from portal_ui.integrations.techlink import wildcards
from techlink_sandbox.matching import wildcard_match


def test_it_matches_prefix_patterns_from_the_start_only():
    assert wildcards.matches("test*", "testing")
    assert wildcards.matches("test*", "Test")
    assert not wildcards.matches("test*", "greatest")


def test_it_matches_contains_patterns_anywhere():
    assert wildcards.matches("*test*", "greatest")
    assert wildcards.matches("*test*", "TESTING")
    assert not wildcards.matches("*test*", "tes t")


def test_it_treats_escaped_star_as_a_literal():
    assert wildcards.matches(r"\*test", "*test")
    assert not wildcards.matches(r"\*test", "greatest")
    assert not wildcards.matches(r"\*test", "xtest")


def test_it_matches_whole_value_case_insensitively_without_star():
    assert wildcards.matches("New York", "new york")
    assert not wildcards.matches("New York", "New York City")


def test_it_keeps_other_characters_literal():
    assert wildcards.matches("50%_off?", "50%_OFF?")
    assert not wildcards.matches("50%", "500")
    assert not wildcards.matches("a_c", "abc")
    assert not wildcards.matches("a?c", "abc")
    assert not wildcards.matches("a.c", "abc")


def test_it_escapes_user_text_into_a_literal_pattern():
    text = r"50% *off* \ today"
    assert wildcards.matches(wildcards.escape(text), text)
    assert not wildcards.matches(wildcards.escape(text), "50% XoffX \\ today")
    assert wildcards.escape("*test") == r"\*test"


def test_it_keeps_backslashes_meaningful_when_escaping():
    # A trailing backslash in user text must not swallow the wildcard that follows it.
    pattern = wildcards.contains("dir\\")
    assert wildcards.matches(pattern, "my dir\\ here")
    assert not wildcards.matches(pattern, "my dir* here")


def test_it_builds_contains_and_prefix_patterns():
    assert wildcards.matches(wildcards.contains("*star"), "a *star is born")
    assert not wildcards.matches(wildcards.contains("*star"), "a star is born")
    assert wildcards.matches(wildcards.prefix("ST-001"), "st-00123")
    assert not wildcards.matches(wildcards.prefix("ST-001"), "XST-00123")


def test_it_compiles_anchored_case_insensitive_regexes():
    regex = wildcards.pattern_to_regex("a*z")
    assert regex.match("ABCZ")
    assert not regex.match("abcz!")
    assert wildcards.matches("", "")
    assert wildcards.matches("*", "anything\nat all")
    assert not wildcards.matches("x", None)


@settings(max_examples=150, deadline=None)
@given(pattern=st.text(alphabet="aB*\\%_?.", max_size=8), value=st.text(alphabet="aAbB*\\%_?.", max_size=8))
def test_it_agrees_with_the_sandbox_on_every_pattern(pattern, value):
    assert wildcards.matches(pattern, value) == wildcard_match(pattern, value)


@settings(max_examples=100, deadline=None)
@given(
    text=st.text(alphabet="ab*\\%_ ", max_size=10),
    before=st.text("xy", max_size=3),
    after=st.text("xy", max_size=3),
)
def test_it_finds_escaped_text_exactly_where_it_occurs(text, before, after):
    value = before + text + after
    assert wildcard_match(wildcards.contains(text), value)
    assert wildcard_match(wildcards.escape(text), text)
    assert wildcard_match(wildcards.prefix(text), text + after)
