"""Who acts in the tests: every service takes its actor, so every test names one."""

from __future__ import annotations

from app import services
from app.security.roles import Actor, Role

#: The machine's local administrator: the CLI's actor when no --operator is given.
ADMIN = services.local_admin()
LEAD = Actor("lee", Role.LEAD)
TECHNICIAN = Actor("tia", Role.TECHNICIAN)
