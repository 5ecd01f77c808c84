"""``emploi eval``, ``emploi eval-sets`` and ``emploi eval-fairness``: offline evaluation of
the matcher.

Registered on the main group by :mod:`webapp.cli` (``main.add_command(eval_command)``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from indexer.settings import Settings

log = logging.getLogger("emploi.eval")

OFFERS_FILE = "offres_ardeche_cdi_2025.csv"
ALL_OFFER_FILES = (OFFERS_FILE, "offres_france_2019_2023.json")
SET_FOLDERS = {"a": "a-seeker-offers", "b": "b-title-normalisation",
               "c": "c-employer-candidates", "d": "d-occupation-inference",
               "e": "e-skill-extraction", "f": "f-seeker-offers-hidden-codes"}


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj["settings"]
    return settings


@click.command("eval")
@click.option("--set", "set_dir", required=True,
              type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="A labelled set folder in BEIR layout (see `emploi eval-sets`).")
@click.option("--config", "configs", multiple=True,
              type=click.Choice(["keyword", "vector", "hybrid-rrf", "hybrid-weighted",
                                 "engine-retrieval", "full", "normaliser", "reader"]),
              help="Configurations to run (repeatable; default: all).")
@click.option("--encoder", "encoders", multiple=True,
              type=click.Choice(["use", "e5", "static", "sentence-transformers"]),
              help="Encoders to try (repeatable; default: all, unavailable ones skipped; "
                   "static = distilled from USE-m3, built on first use).")
@click.option("--ablation/--no-ablation", default=None,
              help="Zero each feature weight in turn (default: on seeker → offers sets).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write report.json and report.md there.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON on stdout.")
@click.pass_context
def eval_command(ctx: click.Context, set_dir: Path, configs: tuple[str, ...],
                 encoders: tuple[str, ...], ablation: bool | None, out_dir: Path | None,
                 as_json: bool) -> None:
    """Evaluate the matcher's configurations on a labelled set: nDCG@10, MAP, MRR, R@50."""
    from matcher.evaluation.beir import BeirFormatError
    from matcher.evaluation.runner import CONFIGS, ENCODERS, EvalConfig, evaluate

    config = EvalConfig(settings=_settings(ctx), configs=configs or CONFIGS,
                        encoders=encoders or tuple(ENCODERS), ablation=ablation)
    try:
        report = evaluate(set_dir, config)
    except (BeirFormatError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    if out_dir is not None:
        json_path, md_path = report.write(out_dir)
        click.echo(f"wrote {json_path} and {md_path}", err=as_json)
    if as_json:
        click.echo(json.dumps(report.as_dict(per_query=False), ensure_ascii=False, indent=2))
    else:
        click.echo(report.to_markdown())


@click.command("eval-sets")
@click.option("--out", "out_dir", required=True,
              type=click.Path(path_type=Path, file_okay=False),
              help="Folder receiving the six sets a-seeker-offers/ … "
                   "f-seeker-offers-hidden-codes/.")
@click.option("--seed", default=13, show_default=True, type=int, help="Random seed.")
@click.option("--titles", default=500, show_default=True, type=click.IntRange(1),
              help="How many ESCO labels in set b.")
@click.option("--profiles", default=600, show_default=True, type=click.IntRange(1),
              help="How many generated profiles in set c.")
@click.pass_context
def eval_sets_command(ctx: click.Context, out_dir: Path, seed: int, titles: int,
                      profiles: int) -> None:
    """Build the six labelled sets from the real data (seeded, BEIR layout): (a) seekers →
    the 299 Ardèche offers, (b) ESCO titles → ROME occupations, (c) offers → generated
    candidates, (d) every real offer, codes hidden → its occupation, (e) offers listing skills,
    list hidden → those skills, (f) the seekers of (a) → every real offer, codes hidden."""
    from indexer.geo import Gazetteer
    from indexer.readers import read_offers
    from matcher.evaluation.beir import write_set
    from matcher.evaluation.sets import (
        build_employer_candidates,
        build_occupation_inference,
        build_seeker_offers,
        build_seeker_offers_hidden,
        build_skill_extraction,
        build_title_normalisation,
    )
    from skills_taxonomy import load_taxonomy
    from skills_taxonomy.esco_reader import read_esco

    settings = _settings(ctx)
    offers = read_offers(settings.offers_dir / OFFERS_FILE)
    if offers.rejections:
        click.echo(f"{len(offers.rejections)} offers rejected while reading", err=True)
    everything = [o for name in ALL_OFFER_FILES
                  for o in read_offers(settings.offers_dir / name).records]
    taxonomy = load_taxonomy(settings.rome_dir, settings.esco_dir, settings.cache_dir)
    gazetteer = Gazetteer.load(settings.geo_dir, cache_dir=settings.cache_dir)
    sets = {
        "a": build_seeker_offers(offers.records, taxonomy, seed),
        "b": build_title_normalisation(read_esco(settings.esco_dir), taxonomy, seed, titles),
        "c": build_employer_candidates(offers.records, taxonomy, gazetteer, seed, profiles),
        "d": build_occupation_inference(everything, taxonomy),
        "e": build_skill_extraction(everything),
        "f": build_seeker_offers_hidden(everything, taxonomy, seed),
    }
    for key, labelled in sets.items():
        folder = out_dir / SET_FOLDERS[key]
        write_set(folder, labelled)
        click.echo(f"{folder}: {len(labelled.queries)} queries, {len(labelled.corpus)} "
                   f"documents, {sum(len(j) for j in labelled.qrels.values())} judgements")
    click.echo("set c's profiles are generated, not real seekers")


@click.command("eval-fairness")
@click.option("--profiles", default=3000, show_default=True, type=click.IntRange(1),
              help="How many GENERATED seekers to index beside the real offers.")
@click.option("--seed", default=42, show_default=True, type=int, help="Random seed.")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1),
              help="How many candidates per offer count as exposed.")
@click.option("--work", "work_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where to build the evaluation index (default: a temporary folder).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write fairness.json and fairness.md there.")
@click.pass_context
def eval_fairness_command(ctx: click.Context, profiles: int, seed: int, top: int,
                          work_dir: Path | None, out_dir: Path | None) -> None:
    """Exposure of women/men and age bands among employers' top candidates, over every
    real offer, against each offer's pool of eligible seekers (four-fifths rule).

    Exits 1 when a group's ratio falls outside [0.8, 1.25].
    """
    import sys
    import tempfile

    from matcher.evaluation.fairness import evaluate_fairness, write_report

    with tempfile.TemporaryDirectory(prefix="emploi-fairness-") as temporary:
        report = evaluate_fairness(_settings(ctx), work_dir or Path(temporary), profiles,
                                   seed, top)
    if out_dir is not None:
        json_path, md_path = write_report(report, out_dir)
        click.echo(f"wrote {json_path} and {md_path}")
    click.echo(report.to_markdown())
    if report.flagged:
        click.echo("outside [0.8, 1.25]: " + ", ".join(
            f"{g.attribute} {g.group} ({g.ratio:.2f})" for g in report.flagged), err=True)
        sys.exit(1)


@click.command("train-ranking")
@click.option("--set", "set_dirs", multiple=True, required=True,
              type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="A labelled set (BEIR layout) of seekers → offers or offers → candidates "
                   "(repeatable).")
@click.option("--out", "out_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write the model (default: the one shipped with the code, "
                   "matcher/models/ranking.json).")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2),
              help="Cross-validation folds (queries are split, per set).")
@click.option("--depth", default=100, show_default=True, type=click.IntRange(10),
              help="Results of each query that become training examples.")
@click.option("--shrinkage", default=0.5, show_default=True, type=click.FloatRange(0.0),
              help="Pull of the learnt weights towards the hand-set ones.")
@click.option("--seed", default=13, show_default=True, type=int, help="Fold assignment seed.")
@click.pass_context
def train_ranking_command(ctx: click.Context, set_dirs: tuple[Path, ...], out_path: Path | None,
                          folds: int, depth: int, shrinkage: float, seed: int) -> None:
    """Fit the ranking model's feature weights and match levels on labelled sets, report
    cross-validated nDCG@10 (learnt vs hand weights, never on training folds), and write the
    versioned model the matcher loads."""
    from indexer.encoders import create_encoder
    from matcher.evaluation.training import train
    from matcher.ranking import DEFAULT_MODEL
    from skills_taxonomy import load_taxonomy

    settings = _settings(ctx)
    taxonomy = load_taxonomy(settings.rome_dir, settings.esco_dir, settings.cache_dir)
    model, report = train(set_dirs, settings, create_encoder(settings), taxonomy,
                          depth=depth, folds=folds, seed=seed, shrinkage=shrinkage)
    target = out_path or DEFAULT_MODEL
    model.save(target)
    click.echo(f"wrote {target} ({model.version})")
    click.echo("| set | nDCG@10 learnt (cross-validated) | nDCG@10 hand |\n|---|---:|---:|")
    for name, figures in report.sets.items():
        click.echo(f"| {name} | {figures['learnt']:.3f} | {figures['hand']:.3f} |")
    click.echo("weights: " + ", ".join(f"{k} {v:.3f}" for k, v in model.weights.items()))
    levels = ", ".join(f"{name} ≥ {t:.3f}" for name, t in
                       zip(("très proche", "proche", "piste à explorer"), model.thresholds,
                           strict=True))
    click.echo(f"levels: {levels}")
