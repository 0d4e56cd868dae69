"""Model fields for personal numbers: the attribute holds the plain number, the column its ciphertext, and a
sibling digest column the keyed hash it is found and kept unique by (cases.crypto)."""

import json

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact

from cases import crypto


class EmptyExact(Exact):
    """`= ''`, the one equality an encrypted column answers (an empty value is stored empty)."""

    def get_prep_lookup(self):
        if self.rhs != "":
            raise FieldError(
                f"{self.lhs.output_field.name} is encrypted: look a number up through its digest field "
                "(cases.crypto.lookup_digest)."
            )
        return super().get_prep_lookup()


class EncryptedMixin:
    """Encrypted on the way to the database, decrypted on the way back. Only `isnull` and `= ''` may be asked of the
    column: a ciphertext never equals another, so an equality lookup goes to the digest field instead."""

    def get_internal_type(self) -> str:
        return "TextField"

    def get_lookup(self, lookup_name: str):
        if lookup_name == "exact":
            return EmptyExact
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.model.__name__}.{self.name} is encrypted: look it up through its digest field "
                f"(cases.crypto.lookup_digest), not with '{lookup_name}'."
            )
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name: str):
        return None


class EncryptedCharField(EncryptedMixin, models.CharField):
    """max_length bounds the plain number (forms, full_clean); the column is text."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return crypto.decrypt(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if not value:
            return value
        return crypto.encrypt(value)


class EncryptedJSONField(EncryptedMixin, models.JSONField):
    """A JSON value kept whole as one ciphertext (text column)."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return json.loads(crypto.decrypt(value), cls=self.decoder)

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return value
        return crypto.encrypt(json.dumps(value, cls=self.encoder, ensure_ascii=False, sort_keys=True))

    def get_db_prep_save(self, value, connection):
        return self.get_db_prep_value(value, connection)


class LookupDigestField(models.CharField):
    """The keyed hash of `source`'s normalised value, recomputed on every save that writes this field
    (a save with update_fields names both)."""

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 64), ("null", True), ("blank", True), ("editable", False)):
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = crypto.lookup_digest(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


class DigestsFollowSaves:
    """A save that names an encrypted number in update_fields writes its digest too (mixed into the models that
    carry a LookupDigestField)."""

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is not None:
            named = set(update_fields)
            digests = [
                f.name
                for f in self._meta.concrete_fields
                if isinstance(f, LookupDigestField) and f.source in named and f.name not in named
            ]
            update_fields = [*update_fields, *digests]
        return super().save(*args, update_fields=update_fields, **kwargs)
