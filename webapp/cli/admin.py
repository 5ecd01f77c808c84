"""``emploi admin``: the database schema, accounts, links and API tokens, from the terminal."""

from __future__ import annotations

import sys

import click
from flask import Flask

from webapp.models import Role
from webapp.passwords import password_problem, random_password


def _app(ctx: click.Context) -> Flask:
    from webapp import create_app

    settings = ctx.find_root().obj["settings"]
    return create_app({"SETTINGS": settings})


@click.group("admin")
def admin() -> None:
    """Accounts and the database (SQLite in the instance folder, or EMPLOI_DATABASE_URL)."""


@admin.command("db-upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or upgrade the database schema (also done when the app starts)."""
    from webapp.db import get_database, upgrade

    app = _app(ctx)
    upgrade(get_database(app))
    click.echo(f"database schema is up to date ({get_database(app).engine.url!r})")


@admin.command("create-user")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--email", required=True)
@click.option("--name", "display_name", help="Name shown in the pages.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input (else a random one is printed).")
@click.pass_context
def create_user(ctx: click.Context, role: str, email: str, display_name: str | None,
                password_stdin: bool) -> None:
    """Create an account."""
    from webapp.db import get_database
    from webapp.repositories.users import AccountError, create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        problem = password_problem(password)
        if problem:
            raise click.BadParameter(problem, param_hint="--password-stdin")
    else:
        password = random_password()
    app = _app(ctx)
    with get_database(app).sessions() as session:
        try:
            user = create_user(session, email, Role(role), password, display_name)
        except AccountError as exc:
            raise click.BadParameter(str(exc), param_hint="--email") from exc
        session.commit()
        click.echo(f"created {user.role.value} account {user.email} (id {user.id})")
    if not password_stdin:
        click.echo(f"password: {password}")


@admin.command("create-token")
@click.option("--email", required=True, help="The account the token acts for.")
@click.option("--name", default="cli", show_default=True, help="A name to recognise it.")
@click.pass_context
def create_token(ctx: click.Context, email: str, name: str) -> None:
    """Create an API token (printed once; only its hash is stored)."""
    from webapp.db import get_database
    from webapp.repositories.users import by_email
    from webapp.repositories.users import create_token as new_token

    with get_database(_app(ctx)).sessions() as session:
        user = by_email(session, email)
        if user is None:
            raise click.BadParameter(f"no account {email!r}", param_hint="--email")
        _row, token = new_token(session, user, name)
        session.commit()
    click.echo(token)


@admin.command("link")
@click.option("--email", required=True)
@click.option("--target", required=True,
              help="A profile id (seeker: their profile; counsellor: an assigned seeker), an "
                   "offer id (employer: an offer they own), or an employer account's e-mail "
                   "(counsellor: an employer they follow, whose messages they receive).")
@click.pass_context
def link(ctx: click.Context, email: str, target: str) -> None:
    """Link an account to a profile or an offer of the index (ids are not checked here), or a
    counsellor to an employer account."""
    from webapp.db import get_database
    from webapp.inbox.access import follow_employer
    from webapp.repositories import ownership
    from webapp.repositories.users import by_email

    with get_database(_app(ctx)).sessions() as session:
        user = by_email(session, email)
        if user is None:
            raise click.BadParameter(f"no account {email!r}", param_hint="--email")
        if user.role is Role.SEEKER:
            try:
                ownership.link_seeker(session, user, target)
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint="--target") from exc
        elif user.role is Role.EMPLOYER:
            ownership.give_offer(session, user, target)
        elif user.role is Role.COUNSELLOR and "@" in target:
            employer = by_email(session, target)
            if employer is None or employer.role is not Role.EMPLOYER:
                raise click.BadParameter(f"no employer account {target!r}",
                                         param_hint="--target")
            follow_employer(session, user, employer)
        elif user.role is Role.COUNSELLOR:
            ownership.assign(session, user, target)
        else:
            raise click.BadParameter("an admin account has no links", param_hint="--email")
        session.commit()
    click.echo(f"linked {email} to {target}")

