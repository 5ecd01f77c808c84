"""``emploi messages``: import e-mail files into the counsellors' inboxes, retrain the
inbox classifier.

Registered on the main group by :mod:`webapp.cli`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

from webapp.inbox.importing import ImportReport

EXIT_REJECTED = 1


def _app(ctx: click.Context) -> Flask:
    from webapp import create_app

    return create_app({"SETTINGS": ctx.find_root().obj["settings"]})


@click.group("messages")
def messages() -> None:
    """The counsellors' inbox: import e-mail files, retrain the triage."""


@messages.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(path_type=Path, exists=True))
@click.option("--conseiller", "counsellor_email",
              help="E-mail of the counsellor whose inbox receives the messages (default: "
                   "each message goes to the counsellor of the seeker it comes from, else of "
                   "the employer owning the offer it cites; messages neither finds are "
                   "rejected).")
@click.option("--report", "report_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the rejected messages (and those kept with a warning) there, "
                   "as JSON lines.")
@click.option("--skip-invalid", is_flag=True,
              help="Exit 0 even when some files or messages were rejected (they are still "
                   "reported).")
@click.pass_context
def import_command(ctx: click.Context, files: tuple[Path, ...], counsellor_email: str | None,
                   report_path: Path | None, skip_invalid: bool) -> None:
    """Import .eml files, mbox files or folders of them: each message is triaged (intent,
    urgency, entities, link) and stored in a counsellor's inbox.

    Messages are read and stored as a stream, by chunks committed one by one: an unreadable
    file, an oversized message (over 1 MiB) or an unparsable one is reported with the file,
    the message's position and the reason, and the import goes on; a message with an unknown
    charset is kept with a warning. A message already imported is skipped, so the command can
    be run again. Exits 1 when something was rejected, unless --skip-invalid.
    """
    from webapp.cli import handle_engine_errors

    handle_engine_errors(_import)(ctx, files, counsellor_email, report_path, skip_invalid)


def _import(ctx: click.Context, files: tuple[Path, ...], counsellor_email: str | None,
            report_path: Path | None, skip_invalid: bool) -> None:
    from webapp.db import get_database
    from webapp.engine_ext import get_engine
    from webapp.inbox.importing import import_files, write_report
    from webapp.models import Role
    from webapp.repositories.users import by_email

    app = _app(ctx)
    with app.app_context(), get_database(app).sessions() as session:
        counsellor = None
        if counsellor_email:
            counsellor = by_email(session, counsellor_email)
            if counsellor is None or counsellor.role is not Role.COUNSELLOR:
                raise click.BadParameter(f"no counsellor account {counsellor_email!r}",
                                         param_hint="--conseiller")
        report = import_files(app, session, get_engine(), files, counsellor,
                              progress=_progress)
    for rejection in report.rejected:
        click.echo(f"rejected: {rejection.describe()}", err=True)
    for warning in report.warnings:
        click.echo(f"warning: {warning.describe()} (message imported)", err=True)
    if report_path is not None:
        write_report(report_path, report)
        click.echo(f"report written to {report_path}")
    click.echo(report.summary())
    if report.rejected and not skip_invalid:
        sys.exit(EXIT_REJECTED)


def _progress(report: ImportReport) -> None:
    rate = report.read / report.seconds if report.seconds else 0.0
    click.echo(f"… {report.read} read, {report.stored} stored ({rate:.0f} messages/s)",
               err=True)


@messages.command("retrain")
@click.pass_context
def retrain_command(ctx: click.Context) -> None:
    """Retrain the inbox classifier on the dev set plus every message's latest confirmation or
    correction by a counsellor; the new version is saved atomically and used by every
    running server from its next message."""
    from webapp.db import get_database
    from webapp.engine_ext import get_engine
    from webapp.inbox import versions

    app = _app(ctx)
    with app.app_context(), get_database(app).sessions() as session:
        engine = get_engine()
        folder = versions.model_dir(app)
        versions.ensure_first(session, folder, engine.encoder, versions.base_model(app))
        try:
            row = versions.retrain_now(session, folder, engine.encoder,
                                       config=versions.classifier_config(app))
        except versions.RetrainBusy as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"inbox classifier version {row.version} saved: {row.trained_on} messages "
               f"({row.corrections} confirmed or corrected by counsellors) in {folder}")
