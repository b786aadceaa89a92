"""Staff pages, by topic: home, reference lists, sites, work orders, documents and photos, close-out review.

Lists read the read model; detail pages read TechLink live (``live.py``); every write is queued through
``portal_ui.jobs.services`` and the page then shows its live status. htmx requests get the page's partial;
every page works without it.
"""
