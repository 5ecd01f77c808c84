"""Fairness: the gender of a title and protected attributes never change a ranking or a score.

The same seeker, with a masculine, feminine or inclusive title, or with another name, birth
year, sex or nationality, gets the same offers in the same order with the same scores.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.documents import profile_embedding_text
from indexer.models import PersonalData, Profile
from matcher.engine import Engine
from matcher.queries import profile_index_text
from matcher.results import Match

TITLE_FORMS = ("Vendeuse en prêt-à-porter", "Vendeur en prêt-à-porter",
               "Vendeur·se en prêt-à-porter", "Vendeur(se) en prêt-à-porter H/F")
PERSONAL_VARIANTS = (
    PersonalData(name="Camille Durand", birth_year=1990, sex="F", nationality="FR"),
    PersonalData(name="Karim Benali", birth_year=1971, sex="M", nationality="MA"),
    PersonalData(name="Aïssatou Diop", birth_year=2004, sex="F", nationality="SN"),
    PersonalData(name="Jan Kowalski", birth_year=1958, sex="M", nationality="PL"),
    None,
)


def _signature(matches: list[Match]) -> list[tuple[str, float]]:
    return [(m.id, m.score) for m in matches]


def _variants(profile: Profile, titles: tuple[str, ...]) -> Iterator[Profile]:
    for title in titles:
        yield profile.model_copy(update={"titles": [title]})
    for personal in PERSONAL_VARIANTS:
        yield profile.model_copy(update={"personal": personal})


def _assert_identical(engine: Engine, profile: Profile, titles: tuple[str, ...]) -> None:
    reference = _signature(engine.offers_for_profile(profile, top_k=20))
    for variant in _variants(profile, titles):
        assert _signature(engine.offers_for_profile(variant, top_k=20)) == reference, variant
        widened = engine.offers_for_profile(variant, top_k=20, widen=True)
        assert _signature(widened) == _signature(
            engine.offers_for_profile(profile, top_k=20, widen=True)), variant


@pytest.mark.parametrize("with_code", [True, False], ids=["rome-code", "title-only"])
def test_tiny_engine_title_gender_and_personal_data(tiny_engine: Engine,
                                                    with_code: bool) -> None:
    seeker = tiny_engine.profiles.get("P-VENDEUSE")
    assert seeker is not None
    profile = seeker.model_copy(update={"radius_km": 200} if with_code
                                else {"radius_km": 200, "rome_codes": []})
    assert tiny_engine.offers_for_profile(profile, top_k=1)[0].id == "OF-VENTE-1"
    _assert_identical(tiny_engine, profile, TITLE_FORMS)


def test_stored_masculine_and_feminine_seekers_score_identically(tiny_engine: Engine) -> None:
    feminine, masculine = (tiny_engine.profiles.get(i) for i in ("P-VENDEUSE", "P-VENDEUR"))
    assert feminine is not None and masculine is not None
    assert _signature(tiny_engine.offers_for_profile(feminine, top_k=10)) == _signature(
        tiny_engine.offers_for_profile(masculine, top_k=10))


@pytest.mark.slow
def test_generated_profiles_sample(tmp_path_factory: pytest.TempPathFactory,
                                   real_data_dir: Path) -> None:
    """A sample of the generated seekers, each with its title in both genders (code dropped,
    so the normaliser runs) and with other personal data, on the real offers."""
    from click.testing import CliRunner

    from indexer.settings import load_settings
    from tests.conftest import real_cache_dir
    from webapp.cli import main

    index_dir = tmp_path_factory.mktemp("fair-index")
    cache_dir = real_cache_dir(tmp_path_factory)
    result = CliRunner().invoke(
        main, ["--data-dir", str(real_data_dir), "index", "--index-dir", str(index_dir)],
        env={"EMPLOI_CACHE_DIR": str(cache_dir)})
    assert result.exit_code == 0, result.output
    engine = Engine.open(load_settings(data_dir=real_data_dir, index_dir=index_dir,
                                       cache_dir=cache_dir))
    profiles = sorted(engine.profiles, key=lambda p: p.id)[::60]
    for profile in profiles:
        code = profile.rome_codes[0] if profile.rome_codes else None
        forms = _title_forms(engine, code)
        if not forms:
            continue
        seeker = profile.model_copy(update={"titles": [forms[0]], "rome_codes": []})
        _assert_identical(engine, seeker, forms)


def _title_forms(engine: Engine, code: str | None) -> tuple[str, ...]:
    if code is None or code not in engine.taxonomy.occupations:
        return ()
    gendered = [a for a in engine.taxonomy.appellations_of(code) if len(a.forms) == 2]
    if not gendered:
        return ()
    masculine, feminine = gendered[0].forms
    return (masculine, feminine, f"{masculine} H/F", f"{feminine} (F/H)")


def test_stored_profiles_embed_gender_neutral_text(tiny_engine: Engine) -> None:
    """The employer side: a seeker's *stored* vector does not depend on the gender of their
    wording, so two seekers who differ only by it get the same score for an offer."""
    feminine, masculine = (tiny_engine.profiles.get(i) for i in ("P-VENDEUSE", "P-VENDEUR"))
    assert feminine is not None and masculine is not None
    text_of = profile_index_text(tiny_engine.taxonomy)
    assert text_of(feminine) == text_of(masculine)
    assert "Vendeuse" in profile_embedding_text(feminine)  # the raw text is gendered
    offer = tiny_engine.offers.get("OF-VENTE-1")
    assert offer is not None
    scores = {m.id: (m.score, m.explanation.retrieval.vector_rank is not None)
              for m in tiny_engine.candidates_for_offer(offer, top_k=20)}
    assert scores["P-VENDEUSE"] == pytest.approx(scores["P-VENDEUR"])
