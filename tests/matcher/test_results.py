"""A match as JSON: ``Match.to_dict`` gives what ``dataclasses.asdict`` gives, without its
deep copies."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

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


@dataclass(frozen=True)
class _Nested:
    """Containers ``Explanation`` does not hold today, which ``plain`` must still copy."""

    explanations: list[Explanation]
    by_name: dict[str, tuple[SkillRef, ...]]
    flags: tuple[bool, ...] = ()
    extra: dict[str, list[int]] = field(default_factory=dict)


def test_plain_is_asdict_for_lists_and_dicts() -> None:
    nested = _Nested([EXPLANATION], {"skills": EXPLANATION.matched_skills}, (True, False),
                     {"ranks": [1, 2]})
    data = plain(nested)
    assert data == asdict(nested)
    assert type(data["explanations"]) is list and type(data["by_name"]["skills"]) is tuple
    data["extra"]["ranks"].append(3)
    assert nested.extra["ranks"] == [1, 2]
