"""The customer page `/p/<token>/`: what a customer sees and does through a portal link.

``security`` (headers, CSP, CSRF, rate limit), ``grants`` (what this browser has proven), ``gates`` (passcode
and e-mailed one-time code attempts), ``services`` (access log, counted views, comments, uploads, staff
notifications) and ``views``. What the page shows from TechLink is read by ``portal_links.selectors``.
"""
