"""The portal's own rows: only what the platform itself needs to remember."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """When a task worker last ran the heartbeat task: one row (pk 1), rewritten every minute.

    Kept in the database, not in the cache django-q2 keeps its statistics in,
    so every web host sees it whatever its cache (portal.health reads it).
    Also holds the permission to see and run again the failed tasks
    (portal.task_queue): the portal has no other model to hang it on.
    """

    SINGLETON_PK = 1

    beat_at = models.DateTimeField(_("dernier signe de vie"))

    class Meta:
        default_permissions = ()
        permissions = [("manage_failed_tasks", _("Voir et relancer les tâches échouées"))]
        verbose_name = _("signe de vie des tâches")
        verbose_name_plural = _("signes de vie des tâches")

    def __str__(self):
        return f"{self.beat_at:%Y-%m-%d %H:%M:%S}"
