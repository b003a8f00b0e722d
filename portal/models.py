"""The portal's own rows: only what the platform itself needs to remember."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
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


class SentEmail(models.Model):
    """One e-mail the portal sent with a bounce address of its own (`portal.bounces`), and whether it bounced.

    `token` is the random part of the envelope sender `bounces+<token>@…`:
    a bounce comes back to that address and names this row, hence the order
    or shop it concerns (`about`: any model, by content type and id, so that
    portal imports none of the apps above it). Only written when the
    `BOUNCE_ADDRESS` setting is set. `recipient` is personal data: a
    customer's erasure clears it and the diagnostic, which often quotes it.
    """

    token = models.CharField(max_length=32, unique=True, editable=False)
    sent_at = models.DateTimeField(_("envoyé le"), auto_now_add=True, db_index=True)
    recipient = models.EmailField(_("destinataire"), max_length=254, blank=True)
    template = models.CharField(_("modèle"), max_length=200)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("content_type", "object_id")
    bounced_at = models.DateTimeField(_("non distribué le"), null=True, blank=True, db_index=True)
    bounce_status = models.CharField(_("code"), max_length=32, blank=True)
    bounce_diagnostic = models.TextField(_("diagnostic"), blank=True)

    class Meta:
        default_permissions = ()
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="portal_sentemail_about")]
        verbose_name = _("e-mail envoyé")
        verbose_name_plural = _("e-mails envoyés")

    def __str__(self):
        return f"{self.template} ({self.sent_at:%Y-%m-%d %H:%M})" if self.sent_at else self.template
