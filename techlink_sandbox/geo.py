"""US states / Canadian provinces: name <-> abbreviation, time zones, postal-code checks."""

from __future__ import annotations

import re

US_STATES: dict[str, str] = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "PR": "Puerto Rico",
    "GU": "Guam",
    "VI": "Virgin Islands",
    "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}

CA_PROVINCES: dict[str, str] = {
    "AB": "Alberta",
    "BC": "British Columbia",
    "MB": "Manitoba",
    "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador",
    "NS": "Nova Scotia",
    "NT": "Northwest Territories",
    "NU": "Nunavut",
    "ON": "Ontario",
    "PE": "Prince Edward Island",
    "QC": "Quebec",
    "SK": "Saskatchewan",
    "YT": "Yukon",
}

# One representative zone per state/province (the portal assigns a single zone per site).
_TZ_CENTRAL = {
    "AL",
    "AR",
    "IL",
    "IA",
    "KS",
    "LA",
    "MN",
    "MS",
    "MO",
    "NE",
    "ND",
    "OK",
    "SD",
    "TN",
    "TX",
    "WI",
    "MB",
    "SK",
}
_TZ_MOUNTAIN = {"CO", "ID", "MT", "NM", "UT", "WY", "AB", "NT"}
_TZ_PACIFIC = {"CA", "NV", "OR", "WA", "BC", "YT"}
_TZ_SPECIAL = {
    "AZ": "America/Phoenix",
    "AK": "America/Anchorage",
    "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico",
    "VI": "America/St_Thomas",
    "GU": "Pacific/Guam",
    "AS": "Pacific/Pago_Pago",
    "MP": "Pacific/Saipan",
    "NL": "America/St_Johns",
    "NS": "America/Halifax",
    "NB": "America/Moncton",
    "PE": "America/Halifax",
    "NU": "America/Iqaluit",
    "ON": "America/Toronto",
    "QC": "America/Toronto",
}

COUNTRY_US = "US"
COUNTRY_CA = "Canada"

_ZIP_RE = re.compile(r"^\d{5}(?:-?\d{4})?$")
_CA_POSTAL_RE = re.compile(r"^[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d$")


def normalize_country(value: str) -> str | None:
    """Map the accepted country spellings to 'US' / 'Canada'; None when not accepted."""
    v = value.strip().lower()
    if v in ("", "us", "usa", "united states", "united states of america"):
        return COUNTRY_US
    if v in ("canada", "ca"):
        return COUNTRY_CA
    return None


def resolve_state(value: str, country: str) -> tuple[str, str] | None:
    """Return (full name, abbreviation) for a state given by name or abbreviation, or None."""
    table = US_STATES if country == COUNTRY_US else CA_PROVINCES
    v = value.strip()
    if v.upper() in table:
        return table[v.upper()], v.upper()
    for abbr, name in table.items():
        if name.lower() == v.lower():
            return name, abbr
    return None


def valid_postal_code(value: str, country: str) -> bool:
    v = value.strip()
    if country == COUNTRY_US:
        return bool(_ZIP_RE.match(v))
    return bool(_CA_POSTAL_RE.match(v))


def timezone_for(abbr: str) -> str:
    if abbr in _TZ_SPECIAL:
        return _TZ_SPECIAL[abbr]
    if abbr in _TZ_CENTRAL:
        return "America/Chicago"
    if abbr in _TZ_MOUNTAIN:
        return "America/Denver"
    if abbr in _TZ_PACIFIC:
        return "America/Los_Angeles"
    return "America/New_York"
