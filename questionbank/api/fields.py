"""Serializer fields shared by the APIs."""

import re

from rest_framework import serializers

SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


class TopicSlugField(serializers.SlugRelatedField):
    """A topic by slug; anything that is not slug-shaped is refused before it reaches the database
    (PostgreSQL rejects a NUL byte in a query with an error, which would otherwise be a 500)."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not SLUG.match(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:50])
        return super().to_internal_value(data)
