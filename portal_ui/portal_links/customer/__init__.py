"""The customer page `/p/<token>/`: what a customer sees and does through a portal link.

``security`` (headers, CSP, CSRF, rate limit), ``grants`` (what this browser has proven), ``gates`` (passcode
and e-mailed one-time code attempts), ``services`` (access log, counted views, comments, uploads, staff
notifications) and ``views``; ``closeout`` (what a link offers of the close-out) and ``closeout_views`` (the
close-out report and bundle through the link, and in the staff preview). What the page shows from TechLink
is read by ``portal_links.selectors``.
"""
