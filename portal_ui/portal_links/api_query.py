"""Query strings of the Portal Link API, read strictly before an operation parses them.

An empty value means "no filter" (the parameter is left out); a name the operation does not take answers 400
naming it, and so does a single-valued parameter given more than once (never "the last one wins"). Multi-valued
filters are taken as the seed spells them (`_id[]=`, `company_namespace[]=`) as well as repeated plain names.
A request without a valid key still gets the 401.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse, QueryDict
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from portal_ui.portal_links import schemas, selectors

ErrorResponse = Callable[..., HttpResponse]

# The list's parameters: one value each, or any number (plain and as the seed spells them, `name[]`).
LIST_SINGLE = ("page", "per_page", "sort", "workorder", "is_active", "link_type")
LIST_MULTI = ("company_namespace", "company_namespace[]", "_id", "_id[]")
EMPTY_MEANS_NONE = " An empty value means no filter."
# The value an operation never receives (it is left out) but a client may send: the types document it.
Empty = Literal[""]
FilterText = Annotated[str, StringConstraints(max_length=32), AfterValidator(schemas.no_nul), schemas.NO_NUL]
SortName = Literal[tuple(name for field in selectors.SORTABLE_FIELDS for name in (field, f"-{field}"))]  # type: ignore[valid-type]
PageNumber = Annotated[int, Field(ge=1, le=1_000_000)]
PerPage = Annotated[int, Field(ge=1, le=100)]


def _true_or_false(value: Any) -> Any:
    if isinstance(value, str) and value not in ("true", "false"):
        raise ValueError("use true or false")
    return value


QueryBool = Annotated[bool, BeforeValidator(_true_or_false)]
# Repeated parameters: a query string has no null, only the parameter left out (None in the operation).
NamespaceValues = list[schemas.Namespace | Empty]
IdValues = list[FilterText]


def _problems(query: QueryDict, single: frozenset[str], multi: frozenset[str]) -> tuple[QueryDict, dict]:
    cleaned = QueryDict(mutable=True)
    problems: dict[str, list[str]] = {}
    for name in query:
        values = [value for value in query.getlist(name) if value != ""]
        if name not in single and name not in multi:
            takes = ", ".join(sorted(single | multi)) or "none"
            problems[name] = [f"Unknown query parameter {name!r}; this operation takes: {takes}."]
        elif name in single and len(values) > 1:
            problems[name] = [f"Give {name!r} once; it was given {len(values)} times."]
        elif values:
            cleaned.setlist(name, values)
    cleaned._mutable = False
    return cleaned, problems


def strict_query(
    *,
    single: Iterable[str] = (),
    multi: Iterable[str] = (),
    authenticated: Callable[[HttpRequest], bool],
    error_response: ErrorResponse,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A ``ninja.decorators.decorate_view`` decorator for an operation taking the query parameters `single`
    (at most one value) and `multi` (any number). `authenticated(request)` says whether the request would
    pass authentication, so an unauthenticated request still gets its 401 first."""
    single, multi = frozenset(single), frozenset(multi)

    def decorate(run: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(run)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            cleaned, problems = _problems(request.GET, single, multi)
            if problems and authenticated(request):
                named = ", ".join(sorted(problems))
                return error_response(400, f"Query parameters not accepted: {named}.", problems)
            request.GET = cleaned
            return run(request, *args, **kwargs)

        return wrapped

    return decorate
