"""The main navigation, per role, as data: each entry names an endpoint, its label and the
endpoint prefix that marks it current. Another part of the app adds its entries with
:func:`add_item` (an entry whose endpoint is not registered is not shown), so the header
template never changes when a page is added."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request, url_for

from webapp.models import Role, User


@dataclass(frozen=True, slots=True)
class NavItem:
    """One link of the main navigation."""

    endpoint: str
    label: str
    prefix: str | None = None

    def current(self) -> bool:
        """True when the page shown is this entry's (or one under its prefix)."""
        endpoint = request.endpoint or ""
        return endpoint == self.endpoint or bool(self.prefix and endpoint.startswith(
            self.prefix))


#: Entries for every visitor, then per role (in order of appearance).
PUBLIC: list[NavItem] = [NavItem("seeker.search", "Rechercher des offres")]
BY_ROLE: dict[Role, list[NavItem]] = {
    Role.SEEKER: [NavItem("seeker.my_offers", "Mes offres"),
                  NavItem("seeker.saved_offers", "Offres enregistrées"),
                  NavItem("seeker.my_profile", "Mon profil"),
                  NavItem("privacy.requests", "Demandes de contact"),
                  NavItem("inbox.seeker_messages", "Écrire à mon conseiller")],
    Role.EMPLOYER: [NavItem("employer.candidates", "Mes offres et candidats"),
                    NavItem("employer.sent_requests", "Mes demandes de contact"),
                    NavItem("inbox.employer_messages", "Écrire à mon conseiller")],
    Role.COUNSELLOR: [NavItem("counsellor.open_profile", "Mes demandeurs", "counsellor."),
                      NavItem("inbox.inbox", "Boîte de réception", "inbox."),
                      NavItem("diagnosis.employers", "Mes employeurs"),
                      NavItem("territory.potential", "Territoires", "territory.")],
    Role.ADMIN: [NavItem("admin.users_page", "Comptes", "admin.")],
}


def add_item(role: Role, item: NavItem, after: str | None = None) -> None:
    """Add an entry to a role's navigation (after the entry of endpoint ``after``, else at
    the end); adding the same endpoint twice is a no-op."""
    items = BY_ROLE.setdefault(role, [])
    if any(existing.endpoint == item.endpoint for existing in items):
        return
    position = next((i + 1 for i, existing in enumerate(items) if existing.endpoint == after),
                    len(items))
    items.insert(position, item)


def nav_items(app: Flask, user: User | None) -> list[tuple[NavItem, str]]:
    """The entries ``user`` sees, with their URLs (registered endpoints only)."""
    items = PUBLIC + (BY_ROLE.get(user.role, []) if user is not None else [])
    return [(item, url_for(item.endpoint)) for item in items
            if item.endpoint in app.view_functions]
