"""The ``emploi`` command: build the index, match, search, serve the web app, run the demo.

It only wires the packages together; the work is done in indexer, matcher and webapp.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import click

from indexer.catalog import IndexBusyError, IndexNotFoundError
from indexer.manifest import IndexMismatchError
from indexer.permissions import restrict_tree, use_private_umask
from indexer.settings import Settings, load_settings
from indexer.stores.errors import BackendUnavailable
from matcher.results import Match
from webapp.cli.lazy import LazyGroup

if TYPE_CHECKING:
    from matcher.engine import Engine

log = logging.getLogger("emploi")

P = ParamSpec("P")
R = TypeVar("R")

EXIT_REJECTED = 1
EXIT_BACKEND = 3
EXIT_INDEX = 4


def _settings(ctx: click.Context, index_dir: Path | None = None) -> Settings:
    settings: Settings = ctx.obj["settings"]
    if index_dir is not None:
        settings = settings.model_copy(update={"index_dir": index_dir})
    return settings


def handle_engine_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn the known failures into one clear line and a distinct exit code."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except BackendUnavailable as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_BACKEND)
        except (IndexNotFoundError, IndexMismatchError, IndexBusyError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_INDEX)
        except FileNotFoundError as exc:  # the data folder (ROME, ESCO, communes, offers)
            raise click.ClickException(str(exc)) from exc

    return wrapper


index_dir_option = click.option(
    "--index-dir", type=click.Path(path_type=Path, file_okay=False),
    help="Index folder (default: EMPLOI_INDEX_DIR, else var/index).")
top_option = click.option("--top", default=10, show_default=True,
                          type=click.IntRange(1, 1000), help="How many results.")
json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print a JSON list of {id, score, level, explanation}.")
all_option = click.option("--all", "include_weak", is_flag=True,
                          help="Also list the results below the ranking model's floor, which "
                               "are not matches (level null).")


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]},
             lazy_subcommands={
                 "admin": "webapp.cli.admin:admin",
                 "eval": "webapp.cli.eval:eval_command",
                 "eval-sets": "webapp.cli.eval:eval_sets_command",
                 "eval-fairness": "webapp.cli.eval:eval_fairness_command",
                 "train-ranking": "webapp.cli.eval:train_ranking_command",
                 "messages": "webapp.cli.messages:messages"})
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="A TOML settings file (also EMPLOI_CONFIG).")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Folder of the real data (default: EMPLOI_DATA_DIR, else ../shared/data).")
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@click.pass_context
def main(ctx: click.Context, config: Path | None, data_dir: Path | None, verbose: int) -> None:
    """Intelligence emploi: match job seekers and job offers, explained."""
    level = logging.WARNING - 10 * min(verbose + 1, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # opensearch-py logs every request at INFO: thousands of lines per index build in cluster
    # mode; they are shown with -vv only (its warnings and errors always are)
    logging.getLogger("opensearch").setLevel(level if verbose >= 2 else logging.WARNING)
    use_private_umask()  # indexes, caches and the database hold personal data
    ctx.ensure_object(dict)
    ctx.obj["settings"] = load_settings(config, data_dir=data_dir)


@main.command()
@index_dir_option
@click.option("--offers", "offer_files", multiple=True,
              type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Offers: France Travail API JSON, the flattened CSV, or JSONL. Repeatable. "
                   "Default, with no --offers and no --profiles: the demo data.")
@click.option("--profiles", "profile_files", multiple=True,
              type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Seeker profiles in JSONL (see indexer/schemas/profile.schema.json).")
@click.option("--rebuild", is_flag=True, help="Start from an empty index instead of updating.")
@click.option("--skip-invalid", is_flag=True,
              help="Exit 0 even when some records were rejected (they are still reported).")
@click.option("--report", type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write rejected records (default: INDEX_DIR/rejections.jsonl).")
@click.pass_context
@handle_engine_errors
def index(ctx: click.Context, index_dir: Path | None, offer_files: tuple[Path, ...],
          profile_files: tuple[Path, ...], rebuild: bool, skip_invalid: bool,
          report: Path | None) -> None:
    """Build or update the index from offers and profiles.

    Valid records are indexed; rejected ones are listed with file, line and field, written to
    the report, and make the command exit 1 unless --skip-invalid is given. The update is
    atomic: an interruption leaves the previous index in place.
    """
    from webapp.cli.indexing import build_index, demo_sources

    settings = _settings(ctx, index_dir)
    if not offer_files and not profile_files:
        offer_files, profile_files = demo_sources(settings)
    outcome = build_index(settings, offer_files, profile_files, rebuild=rebuild,
                          report_path=report)
    click.echo(outcome.summary())
    if outcome.rejected and not skip_invalid:
        sys.exit(EXIT_REJECTED)


@main.command("index-info")
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the live manifest as JSON.")
@click.pass_context
@handle_engine_errors
def index_info(ctx: click.Context, index_dir: Path | None, as_json: bool) -> None:
    """Describe the live index: generation, encoder, counts, and each vector index with the
    recall@10 measured against exact search when it was written (and the nprobe searches
    use)."""
    from indexer.catalog import live_generation
    from indexer.manifest import Manifest
    from webapp.cli.index_info import describe_index

    generation = live_generation(_settings(ctx, index_dir).index_dir)
    manifest = Manifest.read(generation)
    click.echo(manifest.to_json() if as_json else describe_index(generation, manifest))


@main.group()
def match() -> None:
    """Rank offers for a seeker, or candidates for an offer."""


@match.command("offers")
@index_dir_option
@click.option("--profile", "profile_id", required=True, help="Id of an indexed profile.")
@click.option("--widen", is_flag=True, help="Also look at neighbouring occupations.")
@all_option
@top_option
@json_option
@click.pass_context
@handle_engine_errors
def match_offers(ctx: click.Context, index_dir: Path | None, profile_id: str, widen: bool,
                 include_weak: bool, top: int, as_json: bool) -> None:
    """The best offers for an indexed seeker profile (only matches, with their level, unless
    --all)."""
    engine = _open_engine(ctx, index_dir)
    profile = engine.profiles.get(profile_id)
    if profile is None:
        raise click.BadParameter(f"no profile {profile_id!r} in the index", param_hint="--profile")
    matches = engine.offers_for_profile(profile, top, widen=widen, include_weak=include_weak)
    _print_matches(matches, as_json, lambda i: _offer_title(engine, i))


@match.command("candidates")
@index_dir_option
@click.option("--offer", "offer_id", required=True, help="Id of an indexed offer.")
@all_option
@top_option
@json_option
@click.pass_context
@handle_engine_errors
def match_candidates(ctx: click.Context, index_dir: Path | None, offer_id: str,
                     include_weak: bool, top: int, as_json: bool) -> None:
    """The best candidates for an indexed offer, by pseudonym (the operator's own: each
    employer sees other ones; only matches, with their level, unless --all)."""
    from webapp.instance import secret_key
    from webapp.pseudonyms import OPERATOR, derive_key, pseudonym

    engine = _open_engine(ctx, index_dir)
    offer = engine.offers.get(offer_id)
    if offer is None:
        raise click.BadParameter(f"no offer {offer_id!r} in the index", param_hint="--offer")
    matches = engine.candidates_for_offer(offer, top, include_weak=include_weak)
    key = derive_key(secret_key(engine.settings))
    _print_matches(matches, as_json,
                   lambda i: _candidate_label(engine, i, pseudonym(key, OPERATOR, i)))


@main.command()
@index_dir_option
@click.option("--text", required=True, help="Job titles and skills, free text.")
@click.option("--commune", help="INSEE code of the commune to search around.")
@click.option("--radius", type=click.FloatRange(min=0, min_open=True),
              help="Radius in km around --commune.")
@click.option("--contract", "contracts", multiple=True, help="Contract type (CDI, CDD...).")
@top_option
@json_option
@click.pass_context
@handle_engine_errors
def search(ctx: click.Context, index_dir: Path | None, text: str, commune: str | None,
           radius: float | None, contracts: tuple[str, ...], top: int, as_json: bool) -> None:
    """Search offers with free text, optionally around a commune."""
    from matcher.engine import SeekerQuery

    if radius is not None and commune is None:
        raise click.BadParameter("--radius needs --commune", param_hint="--radius")
    engine = _open_engine(ctx, index_dir)
    query = SeekerQuery(text=text, titles=(text,), commune=commune, radius_km=radius,
                        contract_types=contracts)
    try:
        matches = engine.search_offers(query, top)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--commune") from exc
    _print_matches(matches, as_json, lambda i: _offer_title(engine, i))


@main.command()
@index_dir_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Threads per process (waitress runs one process; see --workers).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes: 1 runs waitress; more run gunicorn (the [gunicorn] extra), "
                   "each process with --threads threads and its own engine.")
@click.option("--secure-cookies/--no-secure-cookies", default=True, show_default=True,
              help="Send the session cookie over HTTPS only (turn off only for plain-HTTP "
                   "serving on a trusted network).")
@click.option("--debug", is_flag=True, help="Use Flask's development server with the debugger.")
@click.pass_context
@handle_engine_errors
def serve(ctx: click.Context, index_dir: Path | None, host: str, port: int, threads: int,
          workers: int, secure_cookies: bool, debug: bool) -> None:
    """Serve the web app (waitress or gunicorn; Flask's development server only with --debug)."""
    _serve(_settings(ctx, index_dir), host, port, threads, debug, workers=workers,
           secure_cookies=secure_cookies)


@main.command()
@index_dir_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.pass_context
@handle_engine_errors
def demo(ctx: click.Context, index_dir: Path | None, host: str, port: int) -> None:
    """Index the real offers and generated profiles, then serve the web app."""
    from webapp.cli.indexing import build_index, demo_sources

    settings = _settings(ctx, index_dir)
    offers, profiles = demo_sources(settings)
    outcome = build_index(settings, offers, profiles, rebuild=False, report_path=None)
    click.echo(outcome.summary())
    _serve(settings, host, port, threads=8, debug=False, demo_accounts=True,
           secure_cookies=False)


@main.command("generate-profiles")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="JSONL file to write.")
@click.option("-n", "--count", default=600, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=42, show_default=True, type=int)
@click.pass_context
def generate_profiles(ctx: click.Context, out: Path, count: int, seed: int) -> None:
    """Generate seeker profiles (GENERATED, not real people) from the taxonomy and offers."""
    from webapp.cli.indexing import write_demo_profiles

    write_demo_profiles(_settings(ctx), out, count, seed)
    click.echo(f"wrote {count} generated profiles (seed {seed}) to {out}")


def _serve(settings: Settings, host: str, port: int, threads: int, debug: bool, *,
           workers: int = 1, secure_cookies: bool = True, demo_accounts: bool = False) -> None:
    """Open the engine and the database, synchronise the index with the database (and seed
    the demo accounts in demo mode), then serve."""
    from webapp import create_app, warmup
    from webapp.cli.serving import ServingError, serve
    from webapp.db import db
    from webapp.engine_ext import get_engine
    from webapp.index_sync import sync_index

    app = create_app({"SETTINGS": settings, "SESSION_COOKIE_SECURE": secure_cookies})
    for folder in (settings.index_dir, settings.cache_dir, Path(app.instance_path)):
        restrict_tree(folder)  # written before files were private, or by another tool
    with app.app_context():
        engine = get_engine()  # open now: fail before listening, not on the first request
        sync_index(db(), engine, lock_wait_s=settings.index_lock_wait_s)
        if demo_accounts:
            _print_demo_accounts(engine)
    click.echo(f"Intelligence emploi is served on http://{host}:{port}  (Ctrl-C to stop)")

    def start_background_work() -> None:
        # In each serving process, never before gunicorn forks its workers: a thread running
        # in the master at the fork would stay there, and a lock it held would be held
        # forever in every worker.
        _warm_up(engine)
        warmup.start(app, engine)

    if debug:
        start_background_work()
        app.run(host=host, port=port, debug=True, use_reloader=False)
        return
    try:
        serve(app, host, port, threads, workers, on_worker_start=start_background_work)
    except ServingError as exc:
        raise click.UsageError(str(exc)) from exc


def _warm_up(engine: Engine) -> threading.Thread:
    """Build the title normaliser (read from the cache folder after the first start), load
    the communes, build the filter tables' postings and encode the taxonomy's skill labels
    in the background while the server starts listening: the first offer diagnosis, title
    search, search around a commune or filtered search would otherwise wait for them, and
    requests would encode labels. Then freeze what is loaded out of the
    garbage collector's full passes (:func:`gc.freeze`). Returns the started thread."""
    import gc

    def warm() -> None:
        engine.normalise_title("vendeur")
        _ = engine.gazetteer
        engine.offers.prepare_reads()
        engine.profiles.prepare_reads()
        engine.prepare_skill_vectors()
        # What the process holds by now (taxonomy, reader state, tables, postings) lives as
        # long as it does: out of the collector's sight, a full collection walks only what
        # requests leave behind.
        gc.freeze()

    thread = threading.Thread(target=warm, daemon=True, name="engine-warm-up")
    thread.start()
    return thread


def _print_demo_accounts(engine: Engine) -> None:
    """Create or refresh the demo accounts and print them with this run's passwords."""
    from webapp.cli.demo_accounts import seed
    from webapp.db import db

    click.echo("Demo accounts (new random passwords at every start; log in at /connexion):")
    for account in seed(db(), engine):
        click.echo(f"  {account.role.value:<10} {account.email:<34} {account.password}"
                   f"  ({account.note})")


def _open_engine(ctx: click.Context, index_dir: Path | None) -> Engine:
    """The engine, its concept reader ready: read from the cache folder, or built and kept
    there by this first command (about 20 s once; a fraction of a second afterwards)."""
    from matcher.engine import Engine

    engine = Engine.open(_settings(ctx, index_dir))
    engine.prepare()
    return engine


def _print_matches(matches: Sequence[Match], as_json: bool,
                   describe: Callable[[str], str]) -> None:
    if as_json:
        click.echo(json.dumps([m.to_dict() for m in matches], ensure_ascii=False, indent=2))
        return
    if not matches:
        click.echo("no result")
    for rank, m in enumerate(matches, start=1):
        distance = m.explanation.distance_km
        where = f"  {distance:.0f} km" if distance is not None else ""
        level = m.level or "sous le seuil"
        click.echo(f"{rank:>3}. {m.score:.3f}  {level:<13}  {m.id}  {describe(m.id)}{where}")


def _offer_title(engine: Engine, offer_id: str) -> str:
    offer = engine.offers.get(offer_id)
    return offer.title if offer else ""


def _candidate_label(engine: Engine, profile_id: str, alias: str) -> str:
    profile = engine.profiles.get(profile_id)
    if profile is None:
        return ""
    return f"{alias}  {', '.join(profile.titles)}"
