"""The people of the browser tier's registry (GitHub stand-in users) and the repository whose workflows are admins."""

from __future__ import annotations

from dataclasses import dataclass

ADMIN_REPOSITORY = "acme/platform"  # a workflow of this repository is a registry admin (it grants the roles below)


@dataclass(frozen=True)
class Person:
    login: str
    user_id: int
    team: str


ADMIN = Person("ada", 7101, "acme/platform-admins")
OPS = Person("omar", 7102, "acme/sre")
DEVELOPER = Person("devi", 7103, "acme/ml")
PEOPLE = (ADMIN, OPS, DEVELOPER)
