"""What portal link services refuse with: the staff screens, the API and the customer page turn these into
field messages and status codes."""


class PortalLinkInvalid(Exception):
    """A write was refused; `fields` maps field names to messages (shown next to the field)."""

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class WorkOrderUncheckable(Exception):
    """Neither the read model nor TechLink could say whether the work order exists; nothing was created."""

    def __init__(self, workorder: str):
        self.workorder = workorder
        self.message = (
            f"Whether work order {workorder} exists could not be checked because TechLink is not answering; "
            "no link was created. Try again in a moment."
        )
        super().__init__(self.message)


class NamespaceForbidden(Exception):
    """The caller may not place a link in these namespaces."""

    def __init__(self, namespaces: list[str]):
        super().__init__(f"Not allowed for namespace(s): {', '.join(namespaces)}")
        self.namespaces = namespaces
