"""Where documents with personal or financial data are kept: the "private" storage.

Invoices and credit notes carry names, addresses and amounts. They are kept
apart from public media (shop images and their renditions): on a single
host in a folder that no URL serves (`PRIVATE_MEDIA_ROOT`, outside
`MEDIA_ROOT`), on S3 in a bucket of their own whose URLs are signed. Either
way a person gets such a file only through a view that checks their right
to it (e.g. `checkout.billing.invoice_pdf`), answered `private, no-store`.
"""

from django.core.files.storage import FileSystemStorage, storages


class PrivateFileSystemStorage(FileSystemStorage):
    """Files on disk that have no public URL: asking for one is a programming error."""

    def url(self, name):
        raise ValueError(f"{name!r} is a private file: serve it through a view that checks who asks.")


def private_storage():
    """The "private" storage of settings.STORAGES (a callable, so tests and deployments can swap it)."""
    return storages["private"]


def move_to_private_storage(model, field_name: str) -> None:
    """Move the files of `model.field_name` from the public media to the private storage (a data migration).

    Each file keeps its name, unless the private storage already holds one by that name; rows follow
    the name it gets. Running it again moves nothing more.
    """
    from django.core.files.storage import default_storage

    private = private_storage()
    names = model.objects.exclude(**{field_name: ""}).values_list(field_name, flat=True).distinct()
    for name in list(names):
        if default_storage.exists(name) and not private.exists(name):
            with default_storage.open(name, "rb") as stored:
                saved = private.save(name, stored)
            if saved != name:
                model.objects.filter(**{field_name: name}).update(**{field_name: saved})
            default_storage.delete(name)
