"""The admin console at /console: what is in the index, how it is used, where it fails, and how to fix it.

`services` holds what sessions share and runs the actions (upload, re-sync, delete) one at a time;
`plots` the look (KPI cards, tables, Bokeh plots); one module per tab (`overview`, `documents`, `tester`,
`usage`, `questions`, `moderation`) lays out numbers that come from `app.web.admin_stats`; `page` puts the
tabs together and refreshes them; `mount` adds the page and /metrics to the web server. Actions run in a
worker thread so the page stays responsive. Errors are shown as one readable line; tracebacks go to the
server log only.
"""

from app.web.console.mount import ROUTE, ConsoleMount, console_mount

__all__ = ["ROUTE", "ConsoleMount", "console_mount"]
