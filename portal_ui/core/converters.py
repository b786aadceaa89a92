"""URL converters: ``<id:name>`` is a positive object number (TechLink's and the dashboard's ids start at 1), so
``/workorders/0/`` is no page at all (404) rather than a request TechLink would refuse."""


class PositiveIdConverter:
    regex = "[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(int(value))
