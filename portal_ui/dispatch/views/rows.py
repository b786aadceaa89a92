"""Rows of the staff lists (home queues, work orders, sites), written here rather than with one template
pass per row: the lists are drawn once per read-model version and kept (``fragments.py``). Every value from
the read model is escaped; the markup is the one the templates had."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from portal_ui.dispatch.templatetags.dispatch_tags import (
    path_to,
    phone_link,
    sitelocal,
    sitetime,
    sitetime_clock,
    status_badge,
)
from portal_ui.mirror.selectors import SiteRow, WorkOrderRow


def _e(value: Any) -> str:
    return escape(str(value))


def _number(wo: WorkOrderRow) -> str:
    return f'<td><a href="{path_to(wo.id, "workorder_detail")}">{wo.id}</a></td>'


def _status(wo: WorkOrderRow) -> str:
    return f'<td><span class="badge {status_badge(wo.status_code)}">{_e(wo.status)}</span></td>'


def _summary(wo: WorkOrderRow) -> str:
    summary = _e(wo.summary)
    return f'<td class="fill"><span class="clip" title="{summary}">{summary}</span></td>'


def _site(wo: WorkOrderRow) -> str:
    """The site cell: name (or number) linked, then "· city, ST"."""
    if not wo.site_id:
        return '<td class="fill half"></td>'
    name = _e(wo.site_name or wo.site_id)
    place = ""
    if wo.site_city:
        place = f" · {_e(wo.site_city)}" + (f", {_e(wo.site_state)}" if wo.site_state else "")
    shown = f' <span class="muted">{place[1:]}</span>' if place else ""
    return (
        f'<td class="fill half"><span class="clip" title="{name}{place}">'
        f'<a href="{path_to(wo.site_id, "site_detail")}">{name}</a>{shown}</span></td>'
    )


def _installer(wo: WorkOrderRow, cell: str, clip: str) -> str:
    """The installer cell (``cell``: its opening tag; ``clip``: the name's classes), "—" when nobody is."""
    if not wo.installer_name:
        return f"{cell}—</td>"
    name = _e(wo.installer_name)
    return f'{cell}<span class="{clip}" title="{name}">{name}</span></td>'


def wo_table_html(
    rows: Iterable[WorkOrderRow],
    *,
    empty: str = "None.",
    hide_site: bool = False,
    hide_scheduled: bool = False,
    hide_installer: bool = False,
    time_only: bool = False,
    site_local: bool = False,
) -> str:
    """What ``dispatch/_wo_table.html`` draws: work order rows, one line each, the same options."""
    head = (
        "<th>#</th><th>Status</th><th>Summary</th>"
        + ("" if hide_site else "<th>Site</th>")
        + ("" if hide_scheduled else "<th>Scheduled</th>")
        + ("" if hide_installer else "<th>Installer</th>")
    )
    when = sitetime_clock if time_only else sitelocal if site_local else sitetime
    lines = []
    for wo in rows:
        cells = [_number(wo), _status(wo), _summary(wo)]
        if not hide_site:
            cells.append(_site(wo))
        if not hide_scheduled:
            shown = (
                _e(when(wo.scheduled_date, wo.site_timezone))
                if wo.scheduled_date
                else '<span class="muted">unscheduled</span>'
            )
            cells.append(f'<td class="end">{shown}</td>')
        if not hide_installer:
            cells.append(_installer(wo, '<td class="fill third" data-label="Installer">', "clip"))
        lines.append(f"<tr>{''.join(cells)}</tr>")
    if not lines:
        lines.append(f'<tr><td colspan="6" class="muted">{_e(empty)}</td></tr>')
    body = "\n".join(lines)
    return (
        '<div class="table-scroll">\n<table class="wo-table one-line reflow">\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n</div>"
    )


def recent_rows_html(rows: Iterable[WorkOrderRow]) -> str:
    """The home page's "Recently modified" rows."""
    lines = [
        f"<tr>{_number(wo)}{_status(wo)}{_summary(wo)}"
        f'<td class="fill half"><span class="clip" title="{_e(wo.site_name)}">{_e(wo.site_name)}</span></td>'
        f'<td class="end">{_e(sitetime(wo.last_modified, wo.site_timezone))}</td></tr>'
        for wo in rows
    ]
    return "\n".join(lines) or '<tr><td colspan="5" class="muted">Nothing yet.</td></tr>'


_LIST_INSTALLER = '<td data-label="Installer">'


def workorder_list_rows_html(rows: Iterable[WorkOrderRow], project_names: dict[int, str]) -> str:
    """The work order list's rows (its columns: number, status, summary, site, scheduled, modified, project,
    PO, installer)."""
    lines = []
    for wo in rows:
        scheduled = (
            _e(sitetime(wo.scheduled_date, wo.site_timezone))
            if wo.scheduled_date
            else '<span class="muted">unscheduled</span>'
        )
        name = project_names.get(wo.project_id, "") if wo.project_id is not None else ""
        if name:
            project = f'<span class="clip cap" title="{_e(name)}">{_e(name)}</span>'
        elif wo.project_id:
            project = f'<span class="muted">Project #{_e(wo.project_id)}</span>'
        else:
            project = ""
        lines.append(
            f"<tr>{_number(wo)}{_status(wo)}{_summary(wo)}{_site(wo)}"
            f'<td class="end">{scheduled}</td>'
            f'<td data-label="Modified">{_e(sitetime(wo.last_modified, wo.site_timezone))}</td>'
            f'<td data-label="Project">{project}</td>'
            f'<td data-label="PO">{_e(wo.po)}</td>'
            f"{_installer(wo, _LIST_INSTALLER, 'clip cap')}</tr>"
        )
    return (
        "\n".join(lines) or '<tr><td colspan="9" class="muted">No work order matches these filters.</td></tr>'
    )


def site_rows_html(rows: Iterable[SiteRow], *, searched: bool) -> str:
    """The site search's rows (name, number, code, city / state, ZIP, contact, phone)."""
    lines = []
    for s in rows:
        name = _e(s.name or s.id)
        region = s.stateabbr or s.state
        place = _e(s.city) + (f", {_e(region)}" if region else "")
        contact = (
            f'<span class="clip cap" title="{_e(s.contact1_name)}">{_e(s.contact1_name)}</span>'
            if s.contact1_name
            else ""
        )
        phone = phone_link(s.contact1_phone) if s.contact1_phone else ""
        lines.append(
            f'<tr><td class="fill line"><span class="clip" title="{name}">'
            f'<a href="{path_to(s.id, "site_detail")}">{name}</a></span></td>'
            f'<td data-label="Site #">{s.id}</td><td data-label="Code">{_e(s.siteid)}</td>'
            f'<td class="fill half"><span class="clip" title="{place}">{place}</span></td>'
            f'<td data-label="ZIP">{_e(s.zip)}</td><td data-label="Contact">{contact}</td><td>{phone}</td></tr>'
        )
    if lines:
        return "\n".join(lines)
    empty = "No site matches this search." if searched else "No sites yet."
    return f'<tr><td colspan="7" class="muted">{empty}</td></tr>'
