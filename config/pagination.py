"""API pagination."""

from rest_framework.pagination import LimitOffsetPagination


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """``?limit=&offset=`` with both bounded: a page is at most 200 rows, and an offset past any
    real table (a fuzzer's 10^20) is an empty page rather than a database error."""

    max_limit = 200
    max_offset = 10**12

    def get_offset(self, request) -> int:
        return min(super().get_offset(request), self.max_offset)
