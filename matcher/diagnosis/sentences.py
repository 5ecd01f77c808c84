"""French sentences for the diagnoses, generated from their numbers (kept separate so the
web half can show either, and the wording can change without touching the figures)."""

from __future__ import annotations

from matcher.diagnosis.legality_rules import CATEGORY_LABELS, Severity
from matcher.diagnosis.market import LocalMarket
from matcher.diagnosis.offer import OfferDiagnosis
from matcher.diagnosis.seeker import Action, OccupationDiagnosis, SeekerDiagnosis

TREND_WORDS = {"hausse": "en hausse", "baisse": "en baisse", "stable": "stable"}
RELATION_SENTENCES = {
    "meme_metier": "L'intitulé correspond bien au métier indiqué ({listed}).",
    "metier_voisin": "L'intitulé évoque plutôt « {found} » ({found_code}), métier voisin de "
                     "celui indiqué ({listed}) : vérifiez le code ROME.",
    "autre_metier": "L'intitulé évoque « {found} » ({found_code}), un autre métier que celui "
                    "indiqué ({listed}) : le code ROME est probablement à corriger.",
    "code_absent": "L'offre n'indique pas de code ROME ; l'intitulé évoque « {found} » "
                   "({found_code}).",
    "titre_non_reconnu": "L'intitulé n'est pas reconnu avec assez de confiance pour être "
                         "rattaché à un métier : précisez-le.",
}


def plural(count: int, word: str, plural_form: str | None = None) -> str:
    """"1 offre", "12 offres"."""
    return f"{count} {word if count in (0, 1) else plural_form or word + 's'}"


def market_sentence(market: LocalMarket) -> str:
    """Offers, trend, competition and tension of one occupation, in one sentence."""
    tension = (f"tension de {market.tension:g} offre(s) par demandeur" if market.tension
               is not None else "tension non calculable (aucun autre demandeur)")
    return (f"À moins de {market.radius_km:g} km : {plural(market.offers, 'offre')} "
            f"({market.recent_offers} ces 4 dernières semaines contre "
            f"{market.previous_offers} les 4 précédentes, tendance "
            f"{TREND_WORDS.get(market.trend, market.trend)}), "
            f"{plural(market.seekers, 'autre demandeur', 'autres demandeurs')} visant ce métier ; "
            f"{tension}.")


def occupation_sentences(occupation: OccupationDiagnosis) -> list[str]:
    """The lines of one target occupation."""
    held, close, missing = (occupation.count(s) for s in ("held", "close", "missing"))
    total = len(occupation.core_skills)
    lines = [f"{occupation.label} ({occupation.code}) : {held} compétence(s) clé(s) sur "
             f"{total} acquise(s), {close} proche(s), {missing} manquante(s)."]
    missing_labels = [s.label for s in occupation.core_skills if s.status == "missing"][:5]
    if missing_labels:
        lines.append("À acquérir en priorité : " + " ; ".join(missing_labels) + ".")
    for skill in occupation.core_skills:
        if skill.status == "close":
            lines.append(f"« {skill.label} » est proche de « {skill.close_to} », déjà "
                         "acquise.")
    if occupation.market is not None:
        lines.append(market_sentence(occupation.market))
    lines.extend(occupation.notes)
    return lines


def action_sentence(action: Action) -> str:
    """"ajouter la compétence X : +12 offres à moins de 20 km"."""
    gain = f"+{plural(action.opened, 'offre')}"
    if action.kind == "rayon":
        return f"élargir la recherche à {action.label} : {gain}"
    where = f" à moins de {action.radius_km:g} km" if action.radius_km else ""
    if action.kind == "competence":
        return f"ajouter la compétence « {action.label} » : {gain}{where}"
    return f"viser aussi le métier proche « {action.label} » ({action.target}) : {gain}{where}"


def seeker_sentences(diagnosis: SeekerDiagnosis) -> list[str]:
    """The whole seeker diagnosis in French, one line per statement."""
    where = f" à moins de {diagnosis.radius_km:g} km" if diagnosis.radius_km else ""
    lines = [f"{plural(diagnosis.open_offers, 'offre')} correspond(ent) aujourd'hui au profil"
             f"{where} (score d'appariement d'au moins {diagnosis.open_score:g})."]
    for occupation in diagnosis.occupations:
        lines.extend(occupation_sentences(occupation))
    if diagnosis.actions:
        lines.append("Actions qui ouvriraient le plus d'offres :")
        lines.extend(f"– {action_sentence(a)}" for a in diagnosis.actions)
    lines.extend(diagnosis.missing_data)
    return lines


def offer_sentences(diagnosis: OfferDiagnosis) -> list[str]:
    """The whole offer diagnosis in French, one line per statement."""
    title = diagnosis.title
    listed = f"{title.listed_label} – {title.listed_code}" if title.listed_code else "—"
    lines = [RELATION_SENTENCES[title.relation].format(
        listed=listed, found=title.normalised_label or "?", found_code=title.normalised_code
        or "?")]
    skills = diagnosis.skills
    if skills is not None:
        lines.append(f"{plural(skills.listed, 'compétence')} listée(s), dont "
                     f"{len(skills.core_listed)} des {skills.core_total} compétences clés du "
                     "métier.")
        if skills.core_missing:
            lines.append("Compétences clés absentes de l'offre : "
                         + " ; ".join(s.label for s in skills.core_missing[:6]) + ".")
        if skills.unusual:
            lines.append("Compétences inhabituelles pour ce métier : "
                         + " ; ".join(s.label for s in skills.unusual[:6]) + ".")
    pool = diagnosis.pool
    if pool is not None:
        lines.append(f"Vivier à moins de {pool.radius_km:g} km : "
                     f"{plural(pool.seekers, 'demandeur')} visant ce métier, "
                     f"{plural(pool.strong_candidates, 'candidat')} au score fort pour l'offre "
                     "(tous métiers confondus).")
        for requirement in pool.requirements:
            lines.append(f"Exigence « {requirement.asked} » : {requirement.meet} la "
                         f"remplissent, {requirement.fail} non, {requirement.unknown} sans "
                         "information.")
        if pool.requirements:
            lines.append(f"{plural(pool.meet_all, 'demandeur')} rempli(ssen)t toutes les "
                         "exigences vérifiables.")
        lines.extend(f"Non vérifiable : {item}." for item in pool.not_estimable)
    if diagnosis.market is not None:
        lines.append(market_sentence(diagnosis.market))
    duration = diagnosis.duration
    if duration.offer_age_days is not None:
        lines.append(f"L'offre a {plural(duration.offer_age_days, 'jour')} ; les "
                     f"{duration.comparable_offers} offres comparables indexées ont un âge "
                     f"médian de {duration.comparable_median_age_days or 0:g} jours.")
    lines.append(duration.explanation)
    for widening in diagnosis.widenings:
        if widening.kind == "rayon":
            lines.append(f"Élargir à {widening.label} : +{plural(widening.added, 'demandeur')}.")
        elif widening.kind == "metier":
            lines.append(f"Ouvrir au métier voisin « {widening.label} » : "
                         f"+{plural(widening.added, 'demandeur')}.")
        else:
            lines.append(f"Assouplir l'exigence « {widening.label} » : "
                         f"+{plural(widening.added, 'demandeur')} qualifié(s).")
    flags = diagnosis.legality.flags
    if not flags:
        lines.append("Aucune mention discriminatoire détectée dans le texte.")
    for flag in flags:
        severity = "interdit" if flag.severity is Severity.FORBIDDEN else "à vérifier"
        lines.append(f"[{CATEGORY_LABELS[flag.category]} – {severity}] « {flag.passage} » : "
                     f"{flag.reason} ({flag.law}). Proposition : {flag.suggestion}")
    lines.extend(diagnosis.missing_data)
    return lines
