"""The old dotted path of the weekly sales-report task.

Tasks queued before the report moved to `checkout.billing.reports` name
`checkout.reports.send_weekly_report`; this alias lets them run. New code
enqueues `checkout.tasks.send_weekly_report`.
"""

from checkout.billing.reports import send_weekly_report  # noqa: F401
