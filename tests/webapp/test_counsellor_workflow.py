"""The counsellor's tag editor: re-weight, occupations, save with a reason, undo; the seeker
sees the current tags and who changed them."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from indexer.models import Profile
from tests.webapp.conftest import AuthActions
from webapp.db import get_database
from webapp.models import ProfileOverride, TagEdit
from webapp.repositories.tags import TagChange, inverse, tags_of


def _html(response: Any) -> str:
    return str(response.get_data(as_text=True))


def _save(auth: AuthActions, profile: Profile, **form: object) -> Any:
    return auth.post("/conseiller", {"profil": profile.id, "action": "enregistrer", **form})


def test_save_needs_a_reason_and_a_change(auth: AuthActions, profile: Profile) -> None:
    auth.login("counsellor")
    no_reason = _save(auth, profile, nouvelle="Normes comptables", raison=" ")
    assert no_reason.status_code == 400 and "raison" in _html(no_reason)
    no_change = _save(auth, profile, raison="rien")
    assert no_change.status_code == 400 and "Aucune modification" in _html(no_change)


def test_save_updates_index_audit_and_override(app: Flask, client: FlaskClient,
                                               auth: AuthActions, engine: Any,
                                               profile: Profile) -> None:
    auth.login("counsellor")
    response = _save(auth, profile, nouvelle="Normes comptables", nouvelle_code="200005",
                     remove=["100011"], weight_key=["100010", "100011"], weight=["2.0", "1.0"],
                     nouveau_metier="Comptable", raison="Reconversion vers la comptabilité")
    assert response.status_code == 302
    page = _html(client.get(response.headers["Location"]))
    assert "Modification n° 1 enregistrée" in page
    indexed = engine.profiles.get(profile.id)
    assert [(s.code, s.weight) for s in indexed.skills] == [("100010", 2.0), ("200005", 1.0)]
    assert indexed.rome_codes == ["D1214", "M1203"]
    with get_database(app).sessions() as session:
        entry = session.get(TagEdit, 1)
        assert entry is not None and entry.author_name == "Counsellor"
        assert entry.reason == "Reconversion vers la comptabilité"
        assert entry.before == tags_of(profile)
        assert entry.after == tags_of(indexed)
        override = session.get(ProfileOverride, profile.id)
        assert override is not None and override.tags == entry.after
    # the seeker sees the new tags and who changed them
    auth.login("seeker")
    mine = _html(client.get("/chercheur/profil"))
    assert "Normes comptables" in mine and "par Counsellor le" in mine
    skills = mine.split("Mes compétences")[1].split("Historique des modifications")[0]
    assert "Encaisser un paiement" not in skills                       # no more one of them
    assert "Compétence retirée : « Encaisser un paiement »" in mine    # the history says so
    assert "Reconversion vers la comptabilité" in mine


def test_undo_reverts_only_that_entry(client: FlaskClient, auth: AuthActions, engine: Any,
                                      profile: Profile) -> None:
    auth.login("counsellor")
    _save(auth, profile, nouvelle="Normes comptables", nouvelle_code="200005", raison="un")
    second = engine.profiles.get(profile.id)
    _save(auth, second, remove=["100011"], raison="deux")
    response = auth.post("/conseiller/annuler/1", {"profil": profile.id})
    assert response.status_code == 302
    codes = [s.code for s in engine.profiles.get(profile.id).skills]
    assert codes == ["100010"]  # entry 1's addition reverted, entry 2's removal kept
    html = _html(client.get(f"/conseiller?profil={profile.id}"))
    assert "annulée par n° 3" in html
    assert "Annuler la modification n° 1" not in html
    assert "Annuler la modification n° 2" in html
    assert auth.post("/conseiller/annuler/1", {"profil": profile.id}).status_code == 409
    auth.post("/conseiller/annuler/2", {"profil": profile.id})
    assert [s.code for s in engine.profiles.get(profile.id).skills] == ["100010", "100011"]


def test_preview_lists_entering_and_leaving_offers(app: Flask, auth: AuthActions,
                                                   profile: Profile) -> None:
    app.config["PREVIEW_TOP"] = 2
    auth.login("counsellor")
    html = _html(auth.post("/conseiller", {
        "profil": profile.id, "remove": ["100010", "100011"], "occ_remove": ["D1214"],
        "nouveau_metier": "Comptable", "nouvelle": "Établir un bilan comptable",
        "action": "previsualiser"}))
    match = re.search(r"Aperçu : (\d+) offres? entren?t?", html)
    assert match and int(match.group(1)) >= 1
    entering = html.split("Offres qui entrent")[1].split("Offres qui sortent")[0]
    assert "Comptable H/F" in entering


def test_unknown_occupation_is_400(auth: AuthActions, profile: Profile) -> None:
    auth.login("counsellor")
    response = auth.post("/conseiller", {"profil": profile.id, "nouveau_metier": "Xqzwv",
                                         "action": "ajouter"})
    assert response.status_code == 400


def test_inverse_of_a_reweight_and_occupation_change() -> None:
    before = {"skills": [{"code": "a", "label": "A", "weight": 1.0}], "rome_codes": ["D1214"]}
    change = TagChange(weights={"a": 3.0}, add_occupations=["M1203"],
                       remove_occupations=["D1214"])
    after = change.apply(before)
    assert after == {"skills": [{"code": "a", "label": "A", "weight": 3.0}],
                     "rome_codes": ["M1203"]}
    entry = TagEdit(before=before, after=after)
    assert inverse(entry, after) == before


def test_counsellor_accepts_and_rejects_skills_read_from_the_summary(
        client: FlaskClient, auth: AuthActions, engine: Any, profile: Profile) -> None:
    auth.login("counsellor")
    summary = ("Vendeuse en boutique de mode : je sais encaisser un paiement et mettre en "
               "rayon des articles ; techniques de vente.")
    engine.write_profiles(upserts=[profile.model_copy(update={"summary": summary})])
    read = engine.profiles.get(profile.id)
    read_codes = {t.code for t in read.concepts.skills}
    assert {"100012", "200002"} <= read_codes  # shelving and sales techniques, read
    page = _html(client.get(f"/conseiller?profil={profile.id}"))
    assert "Compétences lues dans le résumé" in page and "Mettre en rayon des articles" in page
    response = _save(auth, read, add=["200002|Techniques de vente"], reject_read=["100012"],
                     raison="Relu avec le demandeur")
    assert response.status_code == 302
    stored = engine.profiles.get(profile.id)
    assert "200002" in {s.code for s in stored.skills}  # accepted: now a tag of the profile
    assert stored.rejected_skills == ["100012"]
    assert "100012" not in {t.code for t in stored.concepts.skills}  # never read again
    assert "100012" not in {t.code for t in stored.matching_skills}
    auth.post("/conseiller/annuler/1", {"profil": profile.id})
    restored = engine.profiles.get(profile.id)
    assert restored.rejected_skills == [] and "200002" not in {s.code for s in restored.skills}
    assert "100012" in {t.code for t in restored.concepts.skills}


def test_rejecting_a_read_skill_alone_is_a_change_shown_in_the_audit(
        client: FlaskClient, auth: AuthActions, engine: Any, profile: Profile) -> None:
    auth.login("counsellor")
    summary = "Vendeuse : je sais mettre en rayon des articles."
    engine.write_profiles(upserts=[profile.model_copy(update={"summary": summary})])
    read = engine.profiles.get(profile.id)
    assert "100012" in {t.code for t in read.concepts.skills}
    label = engine.taxonomy.items["100012"].label
    response = _save(auth, read, reject_read=["100012"], raison="Pas son métier")
    assert response.status_code == 302
    assert engine.profiles.get(profile.id).rejected_skills == ["100012"]
    page = _html(client.get(f"/conseiller?profil={profile.id}"))
    assert f"Compétence lue dans le résumé rejetée : « {label} »" in page
    assert f"Ne plus rejeter « {label} »" in page
    again = _save(auth, engine.profiles.get(profile.id), restore_read=["100012"],
                  raison="Relu")
    assert again.status_code == 302 and engine.profiles.get(profile.id).rejected_skills == []
