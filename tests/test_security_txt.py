"""The deployment says whom to tell about a vulnerability (RFC 9116)."""

import datetime

from django.utils import timezone


def test_security_txt_names_the_configured_contact_and_a_future_expiry(client, settings):
    settings.SECURITY_CONTACT = "mailto:cert@fund.example"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    fields = dict(line.split(": ", 1) for line in response.content.decode().splitlines())
    assert fields["Contact"] == "mailto:cert@fund.example"
    expires = datetime.datetime.fromisoformat(fields["Expires"].replace("Z", "+00:00"))
    assert timezone.now() + datetime.timedelta(days=300) < expires
    assert fields["Canonical"] == "http://testserver/.well-known/security.txt"
    assert fields["Preferred-Languages"].startswith("en")
