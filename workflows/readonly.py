"""Read-only roles (docs/access-matrix.md): a manager / auditor reads and never writes.

Any request that could change something (every method but GET, HEAD, OPTIONS) from such a user is refused with the
project's 403 page before the view runs, whatever the view itself checks. The exceptions change only the caller's
own session: signing out, switching the language, their own second factor, and the case search (its text is posted
so that a citizen ID never appears in an address)."""

from cases.constants import Role
from workflows import errors

READ_ONLY_ROLES = frozenset({Role.MANAGER})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# URL names (namespace:name) a read-only user may still POST to.
READ_ONLY_EXEMPT = frozenset({"logout", "portal:logout", "set_language", "finance:otp_enrol", "finance:otp_verify", "case_list"})


def is_read_only(user) -> bool:
    return user.is_authenticated and getattr(user, "role", None) in READ_ONLY_ROLES


class ReadOnlyRoleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in SAFE_METHODS or not is_read_only(request.user):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in READ_ONLY_EXEMPT:
            return None
        return errors.permission_denied(request)
