"""A match as JSON: ``Match.to_dict`` gives what ``dataclasses.asdict`` gives, without its
deep copies."""

from __future__ import annotations

from dataclasses import asdict

from matcher.results import (
    Explanation,
    Match,
    OccupationRef,
    RetrievalTrace,
    ScoreComponent,
    SkillRef,
    plain,
)

EXPLANATION = Explanation(
    components=(ScoreComponent("skills", "Compétences", 0.5, 0.25, 0.125, 0.3),
                ScoreComponent("distance", "Distance", 0.9, 0.05, 0.045, 0.1)),
    matched_skills=(SkillRef("100011", "Encaisser un paiement", "requise"),),
    missing_skills=(SkillRef(None, "Tenir une caisse", "souhaitée", inferred=True,
                             excerpt="tenue de caisse", requirement_stated=False),),
    distance_km=12.5,
    filters=("dans un rayon de 30 km",),
    retrieval=RetrievalTrace(3, None, ("parent:D12 — famille",), 7),
    occupation_relation="même métier",
    occupations=(OccupationRef("D1211", "Vendeur", 1.0, False),),
)


def test_plain_is_asdict() -> None:
    assert plain(EXPLANATION) == asdict(EXPLANATION)
    assert type(plain(EXPLANATION)["components"]) is tuple  # as asdict keeps it


def test_match_to_dict() -> None:
    match = Match("O-1", 0.87654321, EXPLANATION, "proche")
    assert match.to_dict() == {"id": "O-1", "score": 0.876543, "level": "proche",
                               "explanation": asdict(EXPLANATION)}


def test_plain_does_not_share_mutable_containers() -> None:
    data = plain(EXPLANATION)
    data["components"][0]["value"] = 0.0
    assert EXPLANATION.components[0].value == 0.5
