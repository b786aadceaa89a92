import pytest

from techlink_sandbox.matching import wildcard_match

from .sandbox_helpers import unique


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("test*", "testing", True),
        ("test*", "testable", True),
        ("test*", "test", True),
        ("test*", "greatest", False),
        ("*test*", "greatest", True),
        ("*test*", "testing", True),
        (r"\*test", "*test", True),
        (r"\*test", "greatest", False),
        (r"\*test", "xtest", False),
        ("TEST*", "testing", True),  # case-insensitive
        ("test", "testing", False),  # no star: the whole value
        ("test", "TEST", True),
        ("100%", "100%", True),
        ("100%", "1000", False),  # % is literal
        ("a_c", "abc", False),  # _ is literal
        ("a?c", "abc", False),  # ? is literal
        ("a.c", "abc", False),  # regex syntax is literal
        ("*", "", True),
        ("", "", True),
        ("**", "anything", True),
        ("a\\\\b", "a\\b", True),  # an escaped backslash
    ],
)
def test_it_matches_like_the_upstream_wildcards(pattern, value, expected):
    assert wildcard_match(pattern, value) is expected


def test_it_applies_wildcards_to_site_searches(api, new_site):
    city = unique("Wildtown")
    ids = {name: new_site(name=name, city=city)["id"] for name in ("testing", "greatest", "*test", "Test")}

    def search(pattern: str) -> set[int]:
        return set(api.ok("GET", "site", params={"name": pattern, "city": city})["data"])

    assert search("test*") == {ids["testing"], ids["Test"]}
    assert search("*test*") == set(ids.values())
    assert search(r"\*test") == {ids["*test"]}
    assert search("test") == {ids["Test"]}
    assert search("greatest") == {ids["greatest"]}
    assert search("great") == set()
