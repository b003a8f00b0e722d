"""`manage.py check --deploy` on the production settings: no warning but those argued here.

Each check runs in a fresh interpreter with the production environment of
tests/portal/test_production_settings.py (nothing of the test run's own
environment leaks in), and the ids of what Django reports are read from its
output, so a new warning fails by its name.
"""

import json
import re

import pytest

from tests.portal.test_production_settings import production_env, run

# Warnings `check --deploy` may report. None: the production settings answer every one.
ALLOWED_WARNINGS: dict[str, str] = {}
# Warnings the production settings silence, each for a reason that holds for every deployment.
SILENCED = {
    # HSTS preload is a one-way commitment for the whole domain and its subdomains, for months:
    # the operator opts in with DJANGO_HSTS_PRELOAD once the domain is theirs to commit.
    "security.W021",
    # X_FRAME_OPTIONS is SAMEORIGIN, not DENY: Wagtail's live preview shows our own pages in a
    # frame of the admin. Other origins stay refused (and CSP frame-ancestors 'self' says the same).
    "security.W019",
}
# "?: (security.W004) You have not set…", "wagtailcore.Page: (models.W042) …"
CHECK_ID = re.compile(r"\(([a-z_0-9]+(?:\.[a-z_0-9]+)*\.[CEWI]\d{3})\)")
SILENCED_PROBE = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps(sorted(settings.SILENCED_SYSTEM_CHECKS)))"
)
S3 = {
    "AWS_STORAGE_BUCKET_NAME": "marche-medias",
    "AWS_PRIVATE_STORAGE_BUCKET_NAME": "marche-prive",
    "AWS_S3_REGION_NAME": "eu-west-3",
}


def deploy_check(**overrides) -> tuple[int, list[str], str]:
    """(exit status, ids reported, whole output) of the deployment checks failing on any warning."""
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(**overrides))
    output = result.stdout + result.stderr
    return result.returncode, sorted(set(CHECK_ID.findall(output))), output


@pytest.mark.parametrize("storage", [{}, S3], ids=["local-media", "s3-media"])
def test_the_production_settings_pass_the_deployment_checks(storage):
    status, reported, output = deploy_check(**storage)

    assert [check for check in reported if check not in ALLOWED_WARNINGS] == [], output
    assert status == 0, output
    assert f"System check identified no issues ({len(SILENCED)} silenced)." in output


def test_only_the_argued_warnings_are_silenced():
    result = run(["-c", SILENCED_PROBE], production_env())

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == sorted(SILENCED)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"DJANGO_SECURE_SSL_REDIRECT": "0"}, ["security.W008"]),
        ({"DJANGO_HSTS_SECONDS": "0"}, ["security.W004"]),
        ({"DJANGO_SECRET_KEY": "django-insecure-" + "x" * 50}, ["security.W009"]),
    ],
    ids=["no-https-redirect", "no-hsts", "weak-secret-key"],
)
def test_a_weakened_setting_fails_the_check_by_its_id(overrides, expected):
    status, reported, output = deploy_check(**overrides)

    assert reported == expected, output
    assert status == 1
