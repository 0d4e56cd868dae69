"""The Content-Security-Policy header on every response (Django 5.2 has none built in).

The policy is settings.CONTENT_SECURITY_POLICY, a mapping of directive to sources. A response that already carries
a policy keeps it: the attachment download sets a stricter, sandboxing one.
"""

from django.conf import settings


def policy_header(policy: dict[str, list[str]]) -> str:
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = policy_header(settings.CONTENT_SECURITY_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.header)
        return response
