"""The private storages (``documents``, ``imports``, ``exports``) as
``settings.STORAGES`` entries, read from the environment. Imported by the
settings module, so it imports nothing of Django's but its exceptions.

``FUNDMGR_STORAGE=local`` (the default: ``make run``, tests) keeps each in its
folder (DOCUMENTS_ROOT, IMPORTS_ROOT, EXPORTS_ROOT); ``FUNDMGR_STORAGE=s3``
puts all three in one private bucket of S3-compatible object storage, each
under its own key prefix, so that web processes and workers on different
hosts share them. docs/deploy.md, "Object storage" lists the variables."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

#: Each alias, its local folder setting and why that folder is never served.
ALIASES = {
    "documents": ("DOCUMENTS_ROOT", "personal documents are never served"),
    "imports": ("IMPORTS_ROOT", "uploads waiting to be imported are never served"),
    "exports": ("EXPORTS_ROOT", "exports are only ever sent by the download view"),
}

#: Server-side encryption values S3 accepts (AWS_S3_SERVER_SIDE_ENCRYPTION).
ENCRYPTIONS = ("AES256", "aws:kms")
#: The canned ACL sent with each object (AWS_DEFAULT_ACL): ``private`` by
#: default; a bucket whose ACLs are disabled (AWS's "bucket owner enforced",
#: the default for new AWS buckets) refuses it, so there ``none`` sends no ACL
#: (the objects are private by the bucket's ownership) or
#: ``bucket-owner-full-control``, which both kinds of bucket accept.
ACLS = {
    "private": "private",
    "bucket-owner-full-control": "bucket-owner-full-control",
    "none": None,
}


def private_storages(environ: Mapping[str, str]) -> dict[str, dict]:
    """The three aliases' STORAGES entries for this environment."""
    kind = environ.get("FUNDMGR_STORAGE", "local") or "local"
    if kind == "local":
        return {
            alias: {
                "BACKEND": "fundmgr.private_files.PrivateFolderStorage",
                "OPTIONS": {"setting": setting, "why": why},
            }
            for alias, (setting, why) in ALIASES.items()
        }
    if kind != "s3":
        raise ImproperlyConfigured(f"FUNDMGR_STORAGE must be local or s3, not {kind!r}")
    return {
        alias: {"BACKEND": "fundmgr.private_files.PrivateS3Storage", "OPTIONS": options}
        for alias, options in s3_options(environ).items()
    }


def s3_options(environ: Mapping[str, str]) -> dict[str, dict]:
    """Each alias's options for ``PrivateS3Storage``: one bucket, a key prefix each."""
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "")
    if not bucket:
        raise ImproperlyConfigured("FUNDMGR_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    common: dict = {"bucket_name": bucket}
    # Unset: boto3's own chain (an instance role, ~/.aws) and AWS's endpoints.
    for variable, option in (
        ("AWS_S3_ENDPOINT_URL", "endpoint_url"),
        ("AWS_S3_REGION_NAME", "region_name"),
        ("AWS_ACCESS_KEY_ID", "access_key"),
        ("AWS_SECRET_ACCESS_KEY", "secret_key"),
        ("AWS_S3_ADDRESSING_STYLE", "addressing_style"),
    ):
        if environ.get(variable):
            common[option] = environ[variable]
    encryption = environ.get("AWS_S3_SERVER_SIDE_ENCRYPTION", "")
    if encryption:
        if encryption not in ENCRYPTIONS:
            raise ImproperlyConfigured(
                f"AWS_S3_SERVER_SIDE_ENCRYPTION must be one of {', '.join(ENCRYPTIONS)}"
            )
        common["object_parameters"] = {"ServerSideEncryption": encryption}
    acl = environ.get("AWS_DEFAULT_ACL", "") or "private"
    if acl not in ACLS:
        raise ImproperlyConfigured(f"AWS_DEFAULT_ACL must be one of {', '.join(ACLS)}")
    common["default_acl"] = ACLS[acl]
    prefix = environ.get("AWS_LOCATION", "").strip("/")
    return {
        alias: {**common, "location": f"{prefix}/{alias}" if prefix else alias} for alias in ALIASES
    }
