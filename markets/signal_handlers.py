"""Signal receivers: each is one call into a service (no logic here)."""

from wagtail.signals import workflow_approved

from markets import onboarding


def on_workflow_approved(sender, instance, user=None, **kwargs):
    onboarding.after_workflow_approved(instance, user)


def connect():
    workflow_approved.connect(on_workflow_approved, dispatch_uid="markets_first_publication")
