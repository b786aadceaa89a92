"""What a link shares of its work order.

``services``: the work order checks made when a link is saved (it exists; its site contacts' addresses), the
dashboard's copy of the work order that customer pages render (``WorkOrderSnapshot``: fetched once, then
refreshed in the background), and which notes staff marked visible to the customer (``NoteShare``).
``selectors``: the work order as one link shows it (its section permissions and its shared items over the
copy), and the choices the share form offers.
"""
