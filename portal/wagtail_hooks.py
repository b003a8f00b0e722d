from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter

from portal import task_queue, two_factor
from portal.bounces_admin import bounce_viewset
from portal.lockouts_admin import lockout_viewset
from portal.translation_sync import WITHDRAWN_ACTION


@hooks.register("register_log_actions")
def register_translation_log_actions(actions):
    @actions.register_action(WITHDRAWN_ACTION)
    class WithdrawnWithSource(LogFormatter):
        label = _("Traduction retirée avec la page d'origine")


@hooks.register("register_admin_viewset")
def register_lockouts_viewset():
    return lockout_viewset


@hooks.register("register_admin_viewset")
def register_bounces_viewset():
    return bounce_viewset


@hooks.register("register_admin_urls", order=-1)
def register_two_factor_urls():
    # Before wagtail-2fa's own routes (same paths and names): its views as they work with django-otp 1.7.
    return two_factor.admin_urls()


@hooks.register("construct_main_menu", order=1)
def name_the_two_factor_menu_item(request, menu_items):
    # wagtail-2fa leaves an unverified user one menu item, labelled in English only.
    for item in menu_items:
        if item.label == "2FA Setup":
            item.label = _("Double authentification")


@hooks.register("register_admin_urls")
def register_failed_tasks_urls():
    return task_queue.admin_urls()


@hooks.register("register_settings_menu_item")
def register_failed_tasks_menu_item():
    return task_queue.menu_item()


@hooks.register("register_permissions")
def register_failed_tasks_permission():
    # Offered in the groups' "other permissions": the operator may give it to an operations group.
    return Permission.objects.filter(content_type__app_label="portal", codename="manage_failed_tasks")


@hooks.register("register_log_actions")
def register_failed_task_actions(actions):
    actions.register_action(
        task_queue.RETRY_ACTION, _("Relancer la tâche échouée"), _("Tâche échouée relancée")
    )
