"""Close-out reviews beyond the rules of ``dispatch/closeout.py``: decisions and reminders (``services``),
the review queue and histories (``selectors``), what a close-out holds for one audience (``content``), photo
thumbnails (``photos``), the close-out report as a PDF (``report``) and the bundle of files as a ZIP
(``bundle``).

A report or bundle is made for staff (``items=None``: everything) or for what a portal link shares
(``CloseoutItems.for_link``).
"""
