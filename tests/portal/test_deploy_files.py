"""The deployment files (deploy/, .env.example) against the code they deploy.

No container engine runs here, so these read the files: the environment
file lists exactly what the settings read, every service gets it, the
image builds its static files with settings that need no secret, nginx
passes one trusted hop to the web containers and never serves private
files. `nginx -t` runs when nginx is installed.
"""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.storage import storages
from django.db.models import FileField

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SETTINGS = ROOT / "portal" / "settings"

# Read by something else than the settings: the postgres image, gunicorn's
# config, boto3 (django-storages' S3 client) and the SeaweedFS service.
DEPLOYMENT_VARIABLES = {
    "POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD",
    "WEB_CONCURRENCY", "GUNICORN_THREADS",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
}


# --- a reader for the YAML that deploy/compose.yaml is written in -----------------
# PyYAML is not a dependency; compose.yaml keeps to block mappings and
# sequences, scalars, JSON-style flow lists and folded/literal block scalars.
# Anything else (anchors, flow mappings) is refused rather than misread.

_KEY = re.compile(r"^([A-Za-z0-9_.-]+):(?:\s+(.*))?$")
_BLOCK = {">", ">-", "|", "|-"}


def _strip_comment(text: str) -> str:
    quote = None
    for i, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#" and (i == 0 or text[i - 1] == " "):
            return text[:i].rstrip()
    return text


def _scalar(text: str):
    if text.startswith(("&", "*", "{")):
        raise ValueError(f"outside the YAML subset read here: {text!r}")
    if text.startswith(("[", '"')):
        return json.loads(text)
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    return {"true": True, "false": False}.get(text, text)


def _tokens(text: str) -> list[tuple[int, str, str | None]]:
    """(indent, text, block scalar's value) per meaningful line."""
    raw = text.splitlines()
    tokens, i = [], 0
    while i < len(raw):
        line = raw[i]
        if "\t" in line:
            raise ValueError(f"a tab on line {i + 1}")
        content = _strip_comment(line.strip())
        i += 1
        if not content:
            continue
        indent = len(line) - len(line.lstrip(" "))
        value = content[2:].strip() if content.startswith("- ") else (_KEY.match(content) or [None, None, None])[2]
        block = None
        if value in _BLOCK:
            body = []
            while i < len(raw) and (not raw[i].strip() or len(raw[i]) - len(raw[i].lstrip(" ")) > indent):
                body.append(raw[i].strip())
                i += 1
            block = (" " if value.startswith(">") else "\n").join(part for part in body if part)
        tokens.append((indent, content, block))
    return tokens


def _node(tokens, pos):
    indent, content, _ = tokens[pos]
    if content.startswith("- "):
        items = []
        while pos < len(tokens) and tokens[pos][0] == indent and tokens[pos][1].startswith("- "):
            _, item, block = tokens[pos]
            if _KEY.match(item[2:]) and not item[2:].startswith(("\"", "'")):
                raise ValueError(f"mappings inside sequences are outside the subset: {item!r}")
            items.append(block if block is not None else _scalar(item[2:].strip()))
            pos += 1
        return items, pos
    mapping = {}
    while pos < len(tokens) and tokens[pos][0] == indent:
        _, line, block = tokens[pos]
        match = _KEY.match(line)
        if not match:
            raise ValueError(f"not a key: {line!r}")
        key, rest = match.group(1), match.group(2)
        pos += 1
        if block is not None:
            mapping[key] = block
        elif rest:
            mapping[key] = _scalar(rest)
        elif pos < len(tokens) and tokens[pos][0] > indent:
            mapping[key], pos = _node(tokens, pos)
        else:
            mapping[key] = None
    return mapping, pos


def read_yaml(text: str):
    tokens = _tokens(text)
    document, pos = _node(tokens, 0)
    assert pos == len(tokens), f"unread from {tokens[pos][1]!r}"
    return document


def test_the_yaml_reader_reads_the_subset_and_refuses_the_rest():
    text = 'a:\n  b: "x: y"  # note\n  c:\n    - one\n    - >-\n      two\n      three\n  d: ["p", "q"]\n  e: true\n'
    assert read_yaml(text) == {"a": {"b": "x: y", "c": ["one", "two three"], "d": ["p", "q"], "e": True}}
    with pytest.raises(ValueError, match="subset"):
        read_yaml("a: &anchor\n  b: 1\n")


# --- what the settings read ----------------------------------------------------------

def _reads(node) -> set[str]:
    """Environment variables read under `node`: os.environ.get/[...], os.getenv, required(), flag()."""
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and ast.unparse(sub.func) in {"os.environ.get", "os.getenv", "required", "flag"}:
            if sub.args and isinstance(sub.args[0], ast.Constant):
                names.add(sub.args[0].value)
        elif (isinstance(sub, ast.Subscript) and ast.unparse(sub.value) == "os.environ"
              and isinstance(sub.slice, ast.Constant)):
            names.add(sub.slice.value)
    return names


def _assigned(statement) -> set[str]:
    targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
    return {target.id for target in targets if isinstance(target, ast.Name)}


def production_reads() -> set[str]:
    """What production reads: its own reads, and base's except for the settings production assigns again."""
    base = ast.parse((SETTINGS / "base.py").read_text())
    production = ast.parse((SETTINGS / "production.py").read_text())
    reassigned = set().union(*(_assigned(s) for s in production.body if isinstance(s, ast.Assign | ast.AnnAssign)))
    names = _reads(production)
    for statement in base.body:
        if isinstance(statement, ast.Assign | ast.AnnAssign) and _assigned(statement) <= reassigned:
            continue
        names |= _reads(statement)
    return names


def env_example() -> tuple[dict[str, str], set[str]]:
    """The values set in .env.example, and every name it lists (set or commented out)."""
    values, listed = {}, set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if match:
            listed.add(match.group(2))
            if not match.group(1):
                values[match.group(2)] = match.group(3)
    return values, listed


def test_the_reads_found_include_the_ones_production_requires_and_skip_what_it_overrides():
    names = production_reads()
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "PLATFORM_VAT_NUMBER", "EMAIL_USE_TLS", "SEARCH_URL"} <= names
    # base reads it, production fixes it to "" (no localstripe in production)
    assert "STRIPE_API_BASE" not in names


def test_env_example_lists_exactly_what_production_and_the_services_read():
    _, listed = env_example()
    assert listed == production_reads() | DEPLOYMENT_VARIABLES


def test_env_example_lists_every_variable_of_the_readme_configuration_table():
    section = (ROOT / "README.md").read_text().split("\n## Configuration\n")[1].split("\n## ")[0]
    table = set()
    for row in section.splitlines():
        if row.startswith("| `"):
            table |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1]))
    _, listed = env_example()
    assert table and table <= listed


def test_env_example_sets_no_variable_to_an_empty_value():
    # An empty value is still a value: EMAIL_PORT="" or SEARCH_BACKEND="" would break start-up.
    values, _ = env_example()
    assert {name for name, value in values.items() if not value.strip()} == set()


def _production(env_values: dict[str, str], code: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "TMPDIR"}}
    env.update(env_values)
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.production"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


PROXY_CHECK = """
import django, json
django.setup()
from django.conf import settings
from django.test import RequestFactory
from portal.client_ip import client_ip
# The client forges an address; nginx (10.0.0.2 on the compose network) appends the real one.
request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.66, 203.0.113.7")
print(json.dumps({"hops": settings.TRUSTED_PROXY_HOPS, "client": client_ip(request),
                  "axes": settings.AXES_CLIENT_IP_CALLABLE, "ssl": list(settings.SECURE_PROXY_SSL_HEADER)}))
"""


def test_production_starts_with_env_example_and_trusts_exactly_nginx():
    # given the example environment as it is (placeholders for the secrets)
    values, _ = env_example()

    # when production settings load and a request comes through nginx
    result = _production(values, PROXY_CHECK)

    # then nothing is missing, and the client is the address nginx appended, not the forged one
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "hops": 1, "client": "203.0.113.7", "axes": "portal.client_ip.client_ip",
        "ssl": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


def test_production_trusts_one_hop_when_not_told_and_more_when_told():
    values, _ = env_example()
    values.pop("TRUSTED_PROXY_HOPS")

    by_default = _production(values, PROXY_CHECK)
    behind_a_load_balancer = _production({**values, "TRUSTED_PROXY_HOPS": "2"}, PROXY_CHECK)

    assert json.loads(by_default.stdout.strip().splitlines()[-1])["client"] == "203.0.113.7"
    assert json.loads(behind_a_load_balancer.stdout.strip().splitlines()[-1])["client"] == "192.0.2.66"


# --- compose.yaml ----------------------------------------------------------------------

def compose() -> dict:
    return read_yaml((DEPLOY / "compose.yaml").read_text())


def test_every_service_reads_the_repository_env_file():
    services = compose()["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "nginx", "seaweedfs", "opensearch"} <= set(services)
    for name, service in services.items():
        assert [(DEPLOY / path).resolve() for path in service["env_file"]] == [ROOT / ".env"], name


def test_web_and_workers_run_the_image_and_scale():
    services = compose()["services"]
    web, worker = services["web"], services["worker"]
    assert web["build"]["dockerfile"] == "deploy/Containerfile" and web["image"] == worker["image"]
    assert "command" not in web  # the image's gunicorn
    assert worker["command"] == ["python", "manage.py", "qcluster"]
    assert int(web["deploy"]["replicas"]) >= 2 and int(worker["deploy"]["replicas"]) >= 1
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_optional_services_are_under_profiles():
    services = compose()["services"]
    assert services["seaweedfs"]["profiles"] == ["storage"]
    assert services["seaweedfs-buckets"]["profiles"] == ["storage"]
    assert services["opensearch"]["profiles"] == ["search"]
    assert all("profiles" not in services[name] for name in ("postgres", "redis", "migrate", "web", "worker", "nginx"))


def test_only_the_application_mounts_the_private_volume():
    services = compose()["services"]
    mounting = {name for name, service in services.items() if any(
        str(volume).startswith("private:") for volume in service.get("volumes") or [])}
    assert mounting == {"migrate", "web", "worker"}
    assert "media:/srv/media:ro" in services["nginx"]["volumes"]


# --- nginx.conf --------------------------------------------------------------------------

def nginx_conf() -> str:
    return (DEPLOY / "nginx.conf").read_text()


def test_nginx_proxies_to_the_web_service_with_the_forwarded_headers():
    conf = nginx_conf()
    upstream = re.search(r"upstream web \{(.*?)\}", conf, re.S).group(1)
    assert re.search(r"server web:8000\b", upstream)
    assert 'bind = "0.0.0.0:8000"' in (DEPLOY / "gunicorn.conf.py").read_text()
    assert "proxy_pass http://web;" in conf
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "proxy_set_header Host $host;" in conf


def test_nginx_never_serves_a_private_file_from_media():
    # every file field stored in the private storage: its folder is refused under /media/
    conf = nginx_conf()
    private = storages["private"]
    folders = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, FileField) and field.storage is private:
                path = field.upload_to(None, "x.pdf") if callable(field.upload_to) else field.upload_to
                folders.add(path.split("/")[0])
    assert {"invoices", "inscriptions"} <= folders
    for folder in folders | {"documents", "private"}:
        assert re.search(rf"location \^~ /media/{folder}/ \{{\s*return 404;", conf), folder


def test_nginx_caches_static_and_media_far_ahead():
    conf = nginx_conf()
    assert 'add_header Cache-Control "public, max-age=31536000, immutable";' in conf
    assert re.search(r'location /media/ \{[^}]*max-age=31536000', conf)


# --- the image ----------------------------------------------------------------------------

def containerfile() -> str:
    return (DEPLOY / "Containerfile").read_text()


def test_the_image_installs_what_weasyprint_needs_and_runs_as_a_user():
    text = containerfile()
    pdf_libs = re.search(r"apt-get install -y -qq ([^;]+);", (ROOT / "Makefile").read_text()).group(1).split()
    assert text.startswith("#") and "FROM python:3.11-slim-bookworm AS app" in text
    for package in pdf_libs:
        assert package in text
    assert "RUN pip install .\n" in text
    assert "USER portal" in text.split("FROM nginx")[0]
    assert 'CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "portal.wsgi:application"]' in text
    assert 'HEALTHCHECK' in text and "/healthz" in (DEPLOY / "healthcheck.py").read_text()


def test_the_image_copies_every_app_and_what_it_names_exists():
    from django.conf import settings

    copied = set(re.findall(r"^COPY (?!--from)(.+) \S+$", containerfile(), re.M))
    sources = {source for line in copied for source in line.split()}
    assert all((ROOT / source).exists() for source in sources), sources
    local_apps = {app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()}
    assert local_apps <= sources and {"templates", "static", "locale", "manage.py"} <= sources


def test_gunicorn_takes_workers_and_threads_from_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("GUNICORN_THREADS", "3")
    config: dict = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), config)
    assert (config["workers"], config["threads"]) == (5, 3)


def test_the_build_settings_collect_static_files_without_secrets_or_database(tmp_path):
    # given the image's build step (portal.settings.build, no environment)
    assert "DJANGO_SETTINGS_MODULE=portal.settings.build python manage.py collectstatic" in containerfile()
    assert "DJANGO_SETTINGS_MODULE=portal.settings.build python manage.py compiletranslations" in containerfile()
    code = f"""
import django
from django.conf import settings
settings.STATIC_ROOT = {str(tmp_path)!r}
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("collectstatic", "--noinput", verbosity=0)
print(connection.settings_dict["ENGINE"], settings.STORAGES["staticfiles"]["BACKEND"], settings.STATIC_URL)
"""
    env = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "TMPDIR"}}
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.build"

    # when it collects the static files
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)

    # then no database is configured, production's storage hashed them, and nginx's immutable rule
    # matches exactly the hashed names
    assert result.returncode == 0, result.stderr
    engine, backend, url = result.stdout.split()[-3:]
    assert engine == "django.db.backends.dummy"
    assert backend == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    production = (SETTINGS / "production.py").read_text()
    assert f'"staticfiles": {{"BACKEND": "{backend}"}}' in production and url == "/static/"
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    hashed = re.search(r'location ~ "(\^/static/[^"]+)"', nginx_conf()).group(1)
    assert manifest and all(re.match(hashed, f"/static/{name}") for name in manifest.values())
    assert not any(re.match(hashed, f"/static/{name}") for name in manifest)
    assert (tmp_path / f"{manifest['css/filters.css']}.gz").exists()


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed (apt-get install nginx)")
@pytest.mark.skipif(not shutil.which("openssl"), reason="openssl is needed for a throw-away certificate")
def test_nginx_accepts_the_configuration(tmp_path):
    # given a copy whose upstream resolves here and whose certificate exists
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test",
                    "-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")],
                   check=True, capture_output=True)
    conf = nginx_conf().replace("server web:8000 resolve;", "server 127.0.0.1:8000;")
    conf = conf.replace("/etc/nginx/certs/", f"{tmp_path}/")
    version = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
    major, minor, patch = map(int, re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", version).groups())
    if (major, minor, patch) < (1, 25, 1):  # `http2 on;` is newer than the distribution's nginx
        conf = conf.replace("        http2 on;\n", "")
    (tmp_path / "nginx.conf").write_text(conf)

    # when nginx checks it
    result = subprocess.run(["nginx", "-t", "-c", str(tmp_path / "nginx.conf"), "-e", "stderr"],
                            capture_output=True, text=True)

    # then it is valid
    assert result.returncode == 0, result.stderr
