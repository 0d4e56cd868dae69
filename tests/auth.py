"""Signing in as a user in tests, second factor included for the roles that need one."""

from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from workflows.finance.otp import second_factor_required


def current_code(device: TOTPDevice, drift: int = 0) -> str:
    """The code an authenticator app shows now, computed from the device key."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, drift):0{device.digits}d}"


def sign_in(client, user):
    client.force_login(user)
    if second_factor_required(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="app", confirmed=True
        )
        response = client.post(reverse("finance:otp_verify"), {"token": current_code(device), "next": "/"})
        assert response.status_code == 302, response.content
    return client
