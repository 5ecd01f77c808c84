"""The rules of the legality check: one pattern per kind of mention, with its exceptions.

Patterns are matched against the *folded* text (lower case, accents stripped character by
character, so spans stay those of the original: see ``legality.fold_keep_length``). Each rule
has:

- ``unless``: patterns that, found in the same sentence, make the mention legitimate
  ("bonne présentation *des plats*", "jeunes diplômés *acceptés*");
- ``unless_in_offer``: patterns that, found anywhere in the offer (title included), make it
  legitimate ("nationalité française" in a *concours de la fonction publique*);
- ``accept``: a function that decides on what was matched (the numbers of an age limit).

A sentence that states a non-discrimination policy ("toutes nos offres sont ouvertes sans
distinction d'âge, de sexe ou d'origine") is never flagged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """The protected criterion a flag is about (Code du travail, L1132-1)."""

    AGE = "age"
    SEX = "sexe"
    ORIGIN = "origine"
    NATIONALITY = "nationalite"
    FAMILY = "situation_familiale"
    APPEARANCE = "apparence"
    HEALTH = "sante_handicap"
    RELIGION = "religion"
    OPINIONS = "opinions_syndicales"
    RESIDENCE = "lieu_residence"
    LANGUAGE = "langue"
    MORALS = "moeurs_orientation"
    ECONOMIC = "situation_economique"


CATEGORY_LABELS: Mapping[Category, str] = {
    Category.AGE: "Âge",
    Category.SEX: "Sexe",
    Category.ORIGIN: "Origine",
    Category.NATIONALITY: "Nationalité",
    Category.FAMILY: "Situation de famille, grossesse",
    Category.APPEARANCE: "Apparence physique",
    Category.HEALTH: "État de santé, handicap",
    Category.RELIGION: "Convictions religieuses",
    Category.OPINIONS: "Opinions politiques, activités syndicales",
    Category.RESIDENCE: "Lieu de résidence",
    Category.LANGUAGE: "Langue",
    Category.MORALS: "Mœurs, orientation sexuelle, identité de genre",
    Category.ECONOMIC: "Vulnérabilité économique, domiciliation bancaire",
}


class Severity(StrEnum):
    """``interdit``: the texts forbid the mention; ``a_verifier``: advised against, may
    exclude indirectly, the counsellor decides."""

    FORBIDDEN = "interdit"
    TO_CHECK = "a_verifier"


Accept = Callable[[re.Match[str], str, str], bool]
"""(match, folded sentence, folded offer) → True when the match is a real flag."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of discriminatory mention."""

    id: str
    category: Category
    severity: Severity
    pattern: re.Pattern[str]
    law: str
    reason: str
    suggestion: str
    unless: tuple[re.Pattern[str], ...] = ()
    unless_in_offer: tuple[re.Pattern[str], ...] = ()
    accept: Accept | None = None
    group: int | str = 0
    unless_before: tuple[re.Pattern[str], ...] = ()
    """Patterns that, found in the ``BEFORE_WINDOW`` characters before the match, make it
    legitimate ("enfants *de moins de 6 ans*": the age is the public's, not the
    candidate's)."""


BEFORE_WINDOW = 40


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.VERBOSE)


L1132 = "Code du travail, art. L1132-1 et L5321-2"
AGE_LAW = "Code du travail, art. L1132-1, L5321-2 et L5331-2"
SEX_LAW = "Code du travail, art. L1142-1 et L5321-2"

NON_DISCRIMINATION_STATEMENT = _re(r"""
    sans\s+(?:aucune\s+)?(?:distinction|discrimination|consideration)
  | egalite\s+(?:des\s+chances|professionnelle|de\s+traitement|femmes?|hommes?)
  | diversite | non[-\s]?discrimination | inclusi[fv]
  | quel(?:le)?s?\s+que\s+soi
  | tou(?:te)?s?\s+(?:les\s+)?candidatures
  | handi[-\s]?(?:accueillant|bienveillant|engage)
  | a\s+competences?\s+egales?
  | ouverts?\s+a\s+tou[st] | ouvertes?\s+a\s+toutes?
""")

_EXPERIENCE_AFTER = (
    r"(?!\s*(?:d'|d\s|de\s+|en\s+|dans\s+)(?:experience|exp\b|anciennete|pratique|metier|"
    r"existence|activite|savoir|carriere|service|poste|expertise|recul|maison|entreprise|"
    r"secteur|garantie))")
_PUBLIC_OF_THE_JOB = _re(r"""
    \b(?:enfants?|bebes?|eleves?|patients?|public|publics|residents?|beneficiaires|usagers|
    mineurs|accueilli\w*|accompagn\w*|adolescents?|personnes\s+agees|collegiens|lyceens|
    clients?|clientele|jeunes\s+accueillis|stagiaires|apprenants|etudiants|animaux|chiens|
    chevaux|arbres|vignes?|vehicules?|batiments?|logements?|maisons?|entreprise|societe|
    groupe|structure|etablissement|magasin|enseigne|association|cree\w*|fonde\w*|exist\w*|
    depuis|il\s+y\s+a|benevoles|experience|aupres\s+(?:de|des)|garantie|gamme|bateau|navire|
    age\s+de\s+la\s+retraite)\b""")
_ALTERNANCE = _re(r"""\b(?:apprenti\w*|alternan\w*|contrat\s+de\s+professionnalisation|
    contrat\s+pro\b|service\s+civique|grille\s+(?:legale|des\s+alternants)|
    remuneration\s+(?:selon|en\s+fonction\s+de)\s+(?:l'|votre\s+)?age)""")
_PROFESSIONALISATION = _re(r"contrat\s+de\s+professionnalisation|contrat\s+pro\b|service\s+civique")
_APPRENTICESHIP = _re(r"apprenti\w*|alternan\w*")
_LICENCE_AGE = _re(r"\bpermis\s+(?:c|ce|d|de|poids\s+lourds?)\b|transport\s+en\s+commun|"
                   r"conducteur\s+de\s+(?:bus|car)|chauffeur\s+de\s+(?:bus|car)")


def _legal_upper_age(maximum: int, offer: str) -> bool:
    """True when an upper age limit is the one the law sets for the offer's contract:
    apprenticeship up to 29, professionalisation contract and civic service up to 25."""
    if _APPRENTICESHIP.search(offer) and maximum >= 29:
        return True
    return bool(_PROFESSIONALISATION.search(offer) and maximum >= 25)


def _upper_age(match: re.Match[str], _sentence: str, offer: str) -> bool:
    """"moins de 30 ans", "jusqu'à 29 ans", "30 ans maximum", "25-35 ans": an upper limit,
    legal only within an alternance contract's legal bounds."""
    values = [int(v) for v in match.groups() if v and v.isdigit()]
    if not values or max(values) < 16 or max(values) > 70:
        return False
    strict = "moins" in match.group(0)
    maximum = max(values) - (1 if strict else 0)
    return not _legal_upper_age(maximum, offer)


def _lower_age(match: re.Match[str], _sentence: str, offer: str) -> bool:
    """"25 ans minimum", "plus de 40 ans": a minimum age above 18 (the work of minors is
    restricted by law; 21 is the legal age for a bus or lorry licence)."""
    values = [int(v) for v in match.groups() if v and v.isdigit()]
    if not values:
        return False
    minimum = min(values) + (1 if "plus" in match.group(0) else 0)
    if minimum <= 18 or minimum > 70 or _ALTERNANCE.search(offer):
        return False
    return not (minimum <= 21 and _LICENCE_AGE.search(offer))


_PUBLIC_SERVICE = _re(r"""\b(?:fonction\s+publique|fonctionnaires?|concours|statutaire|
    agent\s+public|police|gendarmerie|armees?|militaire|defense\s+nationale|magistra\w*|
    douanes?|diplomat\w*|secret\s+defense|ministere|prefecture|sapeurs?[-\s]pompiers|
    collectivite\s+territoriale|titulaire\s+de\s+la\s+fonction)\b""")
_JOB_WITH_LANGUAGE = _re(r"""\b(?:client\w*|interpret\w*|tradu\w*|international\w*|export\w*|
    import\w*|touris\w*|accueil\w*|public|patients?|familles?|enseign\w*|formateur|formatrice|
    professeur|cours|communaute|mediat\w*|fournisseurs?|filiales?|partenaires?|etranger\w*|
    pays|zone|marches?|commercia\w*|vente|usagers|beneficiaires|refugies|migrants|
    allophones?|primo[-\s]arrivants?)\b""")
_TENDENCY_RELIGIOUS = _re(r"""\b(?:aumoni\w+|catechis\w*|pastora\w*|paroiss\w*|dioce\w*|
    eglise|mosquee|synagogue|congregation|culte|enseignement\s+catholique|
    etablissement\s+(?:catholique|confessionnel)|caractere\s+propre)\b""")
_TENDENCY_POLITICAL = _re(r"""\b(?:syndicat\s+(?:recrute|recherche)|union\s+(?:departementale|
    locale)|federation\s+syndicale|confederation|parti\s+politique|groupe\s+(?:parlementaire|
    politique)|collaborat\w+\s+parlementaire|assistant\w*\s+parlementaire|
    permanent\w*\s+syndical)\b""")
_ARTISTIC_ROLE = _re(r"""\b(?:mannequins?|modeles?\s+(?:photo|vivant)|roles?|comedien\w*|
    actri\w+|acteurs?|casting|figura\w+|chanteu\w+|danseu\w+|doublage)\b""")
_ON_CALL = _re(r"""\b(?:astreintes?|intervention\s+rapide|delai\s+d'intervention|
    logement\s+de\s+fonction|logement\s+(?:fourni|sur\s+place)|loge\b|gardiennage|
    quartiers?\s+prioritaires?|qpv|emplois?\s+francs?|zrr)\b""")
_CARE_CONTEXT = _re(r"""\b(?:suivi|accompagn\w*|femmes?\s+enceintes|patientes?|surveillance|
    echograph\w*|obstetri\w*|maternite|accouch\w*|perinat\w*|consultations?|prenatal\w*|
    sage[-\s]femmes?|puericult\w*|gyneco\w*|cours)\b""")


AGE_RULES: tuple[Rule, ...] = (
    Rule("age.limite_superieure", Category.AGE, Severity.FORBIDDEN, _re(
        r"""\b(?:moins\s+de|jusqu'a|au\s+plus|maximum|max\.?|n'excedant\s+pas)\s+(\d{2})\s*ans\b"""
        + _EXPERIENCE_AFTER
        + r"""|\b(\d{2})\s*ans\s+(?:maximum|max\b|maxi\b|au\s+plus|dernier\s+delai)"""),
        AGE_LAW, "Une limite d'âge supérieure est interdite dans une offre, sauf condition "
        "d'âge fixée par la loi (apprentissage jusqu'à 29 ans, contrat de "
        "professionnalisation jusqu'à 25 ans).",
        "Supprimer la limite d'âge ; décrire plutôt l'expérience ou le niveau attendu "
        "(« débutant accepté », « 2 ans d'expérience »).",
        unless_before=(_PUBLIC_OF_THE_JOB,), accept=_upper_age),
    Rule("age.tranche", Category.AGE, Severity.FORBIDDEN, _re(
        r"""\b(?:entre\s+)?(\d{2})\s*(?:ans\s*)?(?:a|-|et|/)\s*(\d{2})\s*ans\b"""
        + _EXPERIENCE_AFTER),
        AGE_LAW, "Une tranche d'âge exclut les candidats plus jeunes ou plus âgés.",
        "Supprimer la tranche d'âge ; décrire l'expérience ou les compétences attendues.",
        unless=(_re(r"\b(?:heures?|semaines?|mois|jours?|km|kg|euros?)\b"),),
        unless_before=(_PUBLIC_OF_THE_JOB,), accept=_upper_age),
    Rule("age.limite_inferieure", Category.AGE, Severity.FORBIDDEN, _re(
        r"""\b(\d{2})\s*ans\s+(?:minimum|min\b|mini\b|au\s+moins|et\s+plus|revolus)"""
        r"""|\b(?:plus\s+de|au\s+moins|minimum)\s+(\d{2})\s*ans\b""" + _EXPERIENCE_AFTER
        + r"""|\b(?:age|agee?s?)\s+(?:d'au\s+moins|de\s+plus\s+de|minimum\s+de)\s+(\d{2})\s*ans"""),
        AGE_LAW, "Un âge minimum n'est admis que lorsque la loi l'impose (travail des "
        "mineurs, âge légal d'un permis).",
        "Supprimer l'âge minimum ou citer la condition légale qui l'impose.",
        unless_before=(_PUBLIC_OF_THE_JOB,), accept=_lower_age),
    Rule("age.age_exige", Category.AGE, Severity.FORBIDDEN, _re(
        r"""\b(?:age|agee?s?)\s+(?:de\s+)?(\d{2})\s*(?:a|-)\s*(\d{2})\s*ans
          | \b(?:age|agee?s?)\s+de\s+(?:moins\s+de\s+)?(\d{2})\s*ans
            (?!\s*(?:minimum|min\b|au\s+moins|et\s+plus|revolus))
          | \b(?:limite|tranche)\s+d'age\b
          | \bage\s+(?:maximum|maximal|minimum|minimal|limite|requis|souhaite|ideal|exige)\b
          | \bnee?s?\s+(?:apres|avant|entre)\s+(?:19|20)\d{2}\b"""),
        AGE_LAW, "L'offre exige un âge ou une tranche d'âge.",
        "Supprimer la mention d'âge ; décrire l'expérience ou les compétences attendues.",
        unless=(_re(r"enfants|grille|remuneration|selon"),),
        unless_before=(_PUBLIC_OF_THE_JOB,),
        unless_in_offer=(_re(r"concours|fonction\s+publique"),)),
    Rule("age.jeune_candidat", Category.AGE, Severity.FORBIDDEN, _re(
        r"""\b(?:(?:un|une|des|de|d')\s*)?jeunes?\s+(?:et\s+)?(?:hommes?|femmes?|filles?|garcons?|
        personnes?|candidat\w*|profils?|recrues?|collaborat\w*|salarie\w*|talents?|actifs?|
        employe\w*|ouvrier\w*|dynamiques?|motive\w*|retraite\w*|gens|vendeu\w*|serveu\w*|
        commercia\w*|technicien\w*|agents?|chauffeurs?|cuisinier\w*|equipiers?|caissier\w*|
        secretaires?|assistant\w*|hotesses?|stewards?|manutentionnaires?|livreurs?|
        coiffeu\w*|esthetician\w*|preparat\w*|opera\w*|magasinier\w*|ambitieu\w*|
        sportifs?|sportives?)\b
        | \b(?:profils?|candidat\w*|personnes?|collaborat\w*)\s+(?:plutot\s+|assez\s+|tres\s+)?
          jeunes?\b
        | \bjeunes?\s+(?:de\s+)?(?:moins\s+de\s+\d{2}\s*ans|\d{2}\s*[-a]\s*\d{2}\s*ans)"""),
        AGE_LAW, "« Jeune » qualifie la personne recherchée : c'est un critère d'âge.",
        "Décrire le niveau attendu : « débutant accepté », « première expérience », ou les "
        "qualités (« motivé(e) »).",
        unless=(_re(r"""\b(?:enfants?|public|publics|accueilli\w*|accompagn\w*|encadr\w*|
                aupres\s+(?:de|des)|prise\s+en\s+charge|suivi|insertion|mission\s+locale|
                quartiers?|en\s+difficulte|sportifs?\s+de\s+haut|formation\s+des)\b"""),)),
    Rule("age.jeune_diplome", Category.AGE, Severity.TO_CHECK, _re(
        r"\bjeunes?\s+diplome\w*"),
        AGE_LAW, "« Jeune diplômé » comme profil recherché écarte indirectement les "
        "personnes plus âgées (reconversion, diplôme tardif).",
        "Écrire « débutant accepté » ou « diplôme récent accepté, quel que soit l'âge ».",
        unless=(_re(r"""\b(?:accept\w*|bienvenu\w*|ouvert\w*|egalement|aussi|possible|
                debutants?|ou\s+(?:deja\s+)?(?:experimente|confirme|plus)\w*|premiere\s+experience|
                ou\s+(?:avec|ayant)|meme|y\s+compris|etudie\w*)\b"""),)),
    Rule("age.equipe_jeune", Category.AGE, Severity.TO_CHECK, _re(
        r"""\b(?:equipe|ambiance|esprit)\s+(?:plutot\s+|tres\s+)?jeunes?\b
          | \bjeune\s+et\s+dynamique\b"""),
        AGE_LAW, "Mettre en avant la jeunesse de l'équipe peut décourager les candidats plus "
        "âgés (discrimination indirecte).",
        "Décrire l'ambiance sans critère d'âge : « équipe dynamique et soudée ».",
        unless=(_re(r"\b(?:entreprise|societe|start|structure|marque)\s+jeune"),)),
    Rule("age.generation", Category.AGE, Severity.FORBIDDEN, _re(
        r"""\bseniors?\s+s'abstenir | \bpas\s+de\s+seniors?\b | \bretraite\w*\s+s'abstenir
          | \bjeunes?\s+s'abstenir | \bgeneration\s+(?:z|y|millenium|millennials?)\b
          | \bdigital\s+natives?\b | \bmillenn?ials?\b"""),
        AGE_LAW, "L'offre écarte ou vise une génération : c'est un critère d'âge.",
        "Décrire les compétences attendues (« à l'aise avec les outils numériques »).",
    ),
)

SEX_RULES: tuple[Rule, ...] = (
    Rule("sexe.homme_ou_femme", Category.SEX, Severity.FORBIDDEN, _re(
        r"""\b(?:recherch\w*|recrut\w*|cherch\w*|embauch\w*|besoin\s+d'|pour)\s+(?:d'\s*|de\s+)?
        (?:un|une|des|deux|trois|\d+)?\s*(?:jeunes?\s+)?(hommes?|femmes?|filles?|garcons?|
        messieurs|dames?)\b(?!\s*(?:/|ou|et)\s*(?:hommes?|femmes?|filles?|garcons?|dames?|
        messieurs))"""),
        SEX_LAW, "L'offre demande un homme ou une femme : le sexe ne peut pas être une "
        "condition d'embauche (sauf rôle artistique, mannequin ou modèle).",
        "Désigner le poste sans genre : « nous recrutons une personne pour… » ou « H/F ».",
        unless=(_re(r"(?:hommes?|femmes?)\s*(?:/|ou|et)\s*(?:hommes?|femmes?)|\bh\s*/\s*f\b|"
                    r"\bf\s*/\s*h\b|sage[-\s]femme|clientele|coiffure|vetements?|rayon|"
                    r"pret[-\s]a[-\s]porter|mode\s+(?:homme|femme)|victimes?|"
                    r"femmes?\s+enceintes|accueil\w*\s+(?:de|des)"),),
        unless_in_offer=(_ARTISTIC_ROLE,), group=1),
    Rule("sexe.sexe_explicite", Category.SEX, Severity.FORBIDDEN, _re(
        r"""\bde\s+sexe\s+(?:masculin|feminin)\b
          | \bpersonnel\s+(?:feminin|masculin)\b
          | \bcandidat(?:e|ure)?s?\s+(?:feminin|masculin)e?s?\b
          | \b(?:reserve|destine|ouvert|adresse)e?s?\s+(?:uniquement\s+|exclusivement\s+)?
            aux\s+(?:hommes|femmes)\b
          | \b(?:uniquement|exclusivement|seulement)\s+(?:des\s+|aux\s+)?(?:hommes|femmes)\b
          | \b(?:hommes|femmes)\s+(?:uniquement|exclusivement|seulement)\b
          | \b(?:hommes|femmes|filles|garcons)\s+s'abstenir\b
          | \bprofil\s+(?:feminin|masculin)\b
          | \bjeunes?\s+(?:hommes?|femmes?|filles?|garcons?)\b
          | \b(?:masculin|feminin)\s+(?:exige|souhaite|imperati\w*|obligatoire|de\s+preference)"""),
        SEX_LAW, "L'offre réserve le poste à un sexe.",
        "Supprimer la mention du sexe ; l'offre s'adresse aux femmes et aux hommes (H/F).",
        unless_in_offer=(_ARTISTIC_ROLE,)),
)

ORIGIN_RULES: tuple[Rule, ...] = (
    Rule("origine.explicite", Category.ORIGIN, Severity.FORBIDDEN, _re(
        r"""\b(?:d'\s*)?origines?\s+(?:europeenne|francaise|maghrebine|africaine|asiatique|
            etrangere|arabe|turque|caucasienne|occidentale|antillaise|metropolitaine|
            nord[-\s]africaine|immigree)\b
          | \bde\s+type\s+(?:europeen|caucasien|africain|asiatique|maghrebin|mediterraneen|
            nordique|arabe|occidental)\w*
          | \b(?:type|profil)\s+(?:europeen|caucasien|nordique)\w*
          | \b(?:peau|teint)\s+(?:claire|blanche|noire|mate)\b | \bcouleur\s+de\s+peau\b
          | \bfrancai\w*\s+de\s+souche\b | \bde\s+souche\s+francaise\b
          | \b(?:ethnie|ethnique|race|raciale)\b | \bbbr\b
          | \bnoms?\s+(?:a\s+consonance|de\s+famille\s+francais|francais)\w*
          | \bpas\s+d'(?:etrangers?|immigres?|arabes?|africains?|asiatiques?)\b
          | \b(?:etrangers?|immigres?)\s+s'abstenir\b"""),
        L1132, "L'offre fait référence à l'origine, à l'apparence ethnique ou au nom du "
        "candidat.",
        "Supprimer la mention ; ne décrire que les compétences nécessaires au poste.",
        unless=(_re(r"""\b(?:bovin\w*|ovin\w*|canin\w*|porcin\w*|chiens?|chats?|cheva\w*|
                animal|animaux|elevage|betail|volailles?|cuisine|produits?|cosmetique\w*|
                epicerie|restaurant|appellation|controlee|protegee|vins?|fromages?|
                tracabilite|course|courses)\b"""),)),
    Rule("origine.accent", Category.ORIGIN, Severity.TO_CHECK, _re(
        r"""\bsans\s+accent\b | \baccents?\s+(?:etranger|regional)\w*\s+
            (?:s'abstenir|exclus?|interdits?|refuses?|proscrits?)"""),
        L1132, "Exiger une élocution « sans accent » écarte des candidats selon leur origine.",
        "Décrire l'exigence réelle : « expression orale claire, à l'aise au téléphone ».",
    ),
)

NATIONALITY_RULES: tuple[Rule, ...] = (
    Rule("nationalite.exigee", Category.NATIONALITY, Severity.FORBIDDEN, _re(
        r"""\b(?:de\s+)?nationalite\s+(?:francaise|europeenne|\w+(?:aise|ienne|aine|ane|oise|
            ande|ise))\b
          | \bnationalite\s+(?:exigee|obligatoire|requise|imposee|indispensable)\b
          | \b(?:citoyen(?:ne)?s?|ressortissants?)\s+(?:francais|europeen|de\s+l'ue|
            de\s+l'union)\w*
          | \bfrancai(?:s|se|ses)\s+(?:uniquement|exclusivement|obligatoire|exige)\w*
          | \b(?:etre|etant)\s+(?:de\s+)?(?:francais|francaise)\b(?!\s+(?:courant|parle))"""),
        L1132, "Exiger une nationalité est interdit, sauf pour les emplois publics qui la "
        "requièrent (fonction publique, souveraineté).",
        "Supprimer la condition de nationalité ; une autorisation de travail en France peut "
        "être demandée.",
        unless=(_re(r"\b(?:titre\s+de\s+sejour|autorisation\s+de\s+travail|"
                    r"permis\s+de\s+travail|\d+\s+nationalites|toutes?\s+nationalites|"
                    r"multi|international\w*|diversite|equipe)\b"),),
        unless_in_offer=(_PUBLIC_SERVICE,)),
)

FAMILY_RULES: tuple[Rule, ...] = (
    Rule("famille.situation", Category.FAMILY, Severity.FORBIDDEN, _re(
        r"""\bcelibataires?\b
          | \b(?:etre|etant|personne|candidat\w*|profil)\s+(?:\w+\s+)?(?:mariee?s?|pacsee?s?|
            divorcee?s?|veu(?:f|ve)s?|en\s+couple)\b
          | \b(?:sans|pas\s+d'|pas\s+de|aucun)\s*enfants?\b(?!\s+(?:a\s+garder|accueilli))
          | \bsans\s+charges?\s+de\s+famille\b
          | \b(?:sans|aucune|pas\s+de)\s+(?:contraintes?|obligations?|attaches?|charges?)\s+
            (?:familiales?|de\s+famille)\b
          | \blibre\s+de\s+(?:toute\s+)?(?:attache|contrainte)s?\b
          | \bsituation\s+(?:familiale|de\s+famille|matrimoniale)\b
          | \b(?:mere|pere)\s+de\s+famille\b
          | \benfants?\s+(?:a\s+charge\s+)?(?:non\s+accepte|exclu|s'abstenir)\w*"""),
        SEX_LAW, "L'offre fait référence à la situation de famille du candidat.",
        "Supprimer la mention ; décrire la disponibilité réellement exigée par le poste "
        "(« horaires décalés, week-ends »).",
        unless=(_re(r"\b(?:garde\s+d'enfants|famille\s+d'accueil|assistant\w*\s+familial|"
                    r"mediation|droit\s+de\s+la\s+famille|notari\w*|caf\b|allocation)"),)),
    Rule("famille.grossesse", Category.FAMILY, Severity.FORBIDDEN, _re(
        r"""\b(?:pas|non|ne\s+pas\s+etre|ni)\s+enceinte\b
          | \bgrossesse\b
          | \b(?:projet|desir)\s+(?:de\s+|d')?(?:bebe|enfants?|maternite|grossesse)\b"""),
        L1132, "L'offre fait référence à la grossesse ou à un projet d'enfant.",
        "Supprimer la mention ; ni la grossesse ni un projet d'enfant ne peuvent être pris en "
        "compte.",
        unless=(_CARE_CONTEXT,)),
    Rule("famille.couple", Category.FAMILY, Severity.TO_CHECK, _re(
        r"""\b(?:recherch\w*|recrut\w*)\s+(?:d'\s*)?(?:un\s+)?couples?\b
          | \bcouples?\s+(?:de\s+)?(?:gardiens?|concierges?|regisseurs?|intendants?)\b"""),
        SEX_LAW, "Recruter « un couple » fait de la situation de famille une condition.",
        "Publier deux offres distinctes, une par poste, ouvertes à toute personne.",
    ),
)

APPEARANCE_RULES: tuple[Rule, ...] = (
    Rule("apparence.presentation", Category.APPEARANCE, Severity.TO_CHECK, _re(
        r"""\b(?:bonne|excellente|tres\s+bonne|belle|parfaite)\s+presentation\b
            (?!\s+(?:des|du|de\s+la|de\s+l'|de\s+vos|de\s+nos|de\s+leurs?|de\s+ses|de\s+son|
            de\s+sa|de\s+ces|de\s+votre|de\s+notre|d'|orale|ecrite|powerpoint|commerciale|
            et\s+(?:leur|la)\s+propre))
          | \bpresentation\s+(?:soignee|impeccable|irreprochable|agreable|correcte|
            physique)\b(?!\s+(?:des|du|de\s+la|de\s+l'|de\s+vos|de\s+nos|de\s+leurs?|d'))"""),
        L1132, "« Bonne présentation » renvoie à l'apparence physique, critère interdit ; "
        "seule une tenue adaptée au poste peut être exigée.",
        "Écrire « tenue professionnelle adaptée à l'accueil de la clientèle » ou « sens du "
        "contact ».",
        unless=(_re(r"""\b(?:plats?|assiettes?|vitrines?|rayons?|produits?|etals?|stands?|
                dossiers?|documents?|rapports?|projets?|merchandising|mise\s+en\s+place|
                facing|lineaires?|buffets?|gateaux|patisseries|fleurs|chambres?|
                remplissage|proprete|rangement)\b"""),)),
    Rule("apparence.physique", Category.APPEARANCE, Severity.FORBIDDEN, _re(
        r"""\bphysique\s+(?:agreable|avantageux|attrayant|plaisant|soigne|irreprochable|
            engageant|harmonieux)\b
          | \b(?:jolie?s?|belles?|beaux?)\s+(?:filles?|femmes?|garcons?|hommes?|gueules?|
            physiques?|apparences?|visages?|silhouettes?|jambes?|personnes?|vendeuses?|
            serveuses?|hotesses?)\b
          | \b(?:minces?|sveltes?|silhouette\s+\w+)\b
          | \bapparence\s+(?:physique|soignee|agreable|irreprochable|avenante)\b
          | \b(?:taille|mesurer)\s+(?:minimum|minimale|mini|min|au\s+moins|plus\s+de)\s*
            (?::\s*)?\d
          | \btaille\s*(?::\s*)?\d[,.]\d{1,2}\s*m\b | \b\d[,.]\d{2}\s*m\s+minimum\b
          | \bpoids\s+(?:maximum|max|minimum|inferieur|proportionne|de\s+forme)\b
          | \b(?:bonne\s+mine|allure\s+(?:sportive|jeune|elegante))\b
          | \bcheveux\s+(?:courts|longs|attaches|naturels)\s+(?:exiges?|obligatoires?)\b"""),
        L1132, "L'offre fait de l'apparence physique un critère.",
        "Supprimer la mention ; décrire les exigences du poste (tenue fournie, règles "
        "d'hygiène).",
        unless=(_re(r"\b(?:couches?|films?|toles?|feuilles?|plaques?|traits?|tubes?|fils?|"
                    r"parois?|arbres?|vignes?|haies?|pierres?)\b"),)),
    Rule("apparence.photo", Category.APPEARANCE, Severity.TO_CHECK, _re(
        r"""\bcv\s+avec\s+photo\b
          | \bphoto\s+(?:recente\s+)?(?:d'identite\s+)?(?:exigee|obligatoire|imperati\w*|
            indispensable|jointe?|a\s+joindre|souhaitee|en\s+pied)\b
          | \b(?:joindre|envoyer|avec|accompagne\w*\s+d'une)\s+(?:une\s+|votre\s+)?photo\b"""),
        L1132, "Exiger une photo expose à une sélection sur l'apparence ou l'origine.",
        "Ne pas demander de photo : CV et lettre de motivation suffisent.",
        unless=(_re(r"\b(?:photographe|photographie|book|portfolio|mannequin|badge|"
                    r"carte\s+professionnelle)\b"),),
        unless_in_offer=(_ARTISTIC_ROLE,)),
    Rule("apparence.tatouages", Category.APPEARANCE, Severity.TO_CHECK, _re(
        r"""\b(?:sans|pas\s+de|aucun)\s+(?:tatouages?|piercings?|barbe)\b
          | \b(?:tatouages?|piercings?)\s+(?:visibles?\s+)?(?:non\s+)?(?:interdits?|refuses?|
            exclus?|proscrits?|pas\s+acceptes?|non\s+acceptes?|s'abstenir)"""),
        L1132, "Exclure tatouages, piercings ou barbe touche à l'apparence physique ; une "
        "restriction n'est admise que justifiée (hygiène, sécurité) et proportionnée.",
        "Citer la règle d'hygiène ou de sécurité réelle (« bijoux retirés en production »).",
        unless=(_re(r"\b(?:hygiene|securite|epi|haccp|salle\s+blanche|bloc)\b"),)),
)

HEALTH_RULES: tuple[Rule, ...] = (
    Rule("sante.bonne_sante", Category.HEALTH, Severity.FORBIDDEN, _re(
        r"""\b(?:en\s+)?(?:bonne|parfaite|excellente)\s+sante\b(?!\s+(?:financiere|economique))
          | \b(?:sans|pas\s+de|aucun)\s+(?:problemes?|soucis?|antecedents?|troubles?)\s+
            (?:de\s+sante|medicaux?|de\s+dos|psychologiques?|psychiatriques?)\b
          | \b(?:sans|pas\s+de|aucun|non)\s+(?:handicap|handicape)e?s?\b
          | \b(?:personnes?|candidats?|profils?)\s+valides?\b
          | \barrets?\s+(?:de\s+travail|maladie)\s+(?:\w+\s+)?(?:s'abstenir|exclus?)
          | \bhandicap\w*\s+s'abstenir
          | \b(?:non|pas)\s+(?:diabetique|epileptique|asthmatique|seropositi\w*|
            allergique|malade)s?\b
          | \bquestionnaire\s+(?:de\s+)?sante\b | \bdossier\s+medical\s+(?:a\s+joindre|exige)"""),
        L1132, "L'offre fait de l'état de santé ou du handicap un critère ; seule l'aptitude "
        "au poste, constatée par la médecine du travail, peut être exigée.",
        "Supprimer la mention ; décrire les contraintes réelles du poste (port de charges, "
        "station debout) et préciser « poste ouvert aux personnes en situation de handicap ».",
        unless=(_re(r"\b(?:entreprise|societe|groupe|structure|financ\w*|economi\w*|"
                    r"croissance|secteur\s+de\s+la|etablissement\s+de|professionnels?\s+de|"
                    r"patients?|residents?|promotion\s+de\s+la|education\s+a\s+la)\b"),)),
    Rule("sante.condition_physique", Category.HEALTH, Severity.TO_CHECK, _re(
        r"""\b(?:bonne|excellente|parfaite)\s+(?:condition|forme|constitution|resistance)\s+
            physique\b | \bcapacites?\s+physiques?\s+(?:exigee|optimale|irreprochable)s?"""),
        L1132, "Une condition physique générale n'est admise que si le poste l'exige.",
        "Décrire l'effort réel : « port de charges jusqu'à 25 kg, station debout ».",
        unless=(_re(r"""\b(?:port\s+de\s+charges?|charges?\s+lourdes|manutention|
                station\s+debout|travail\s+physique|efforts?\s+physiques?|hauteur|
                exterieur|intemperies|kg|marche|sport\w*|cueillette|chantiers?|secours|
                pompiers?|physiquement|port\s+de|porter|soulever|debout|penible)\b"""),)),
)

RELIGION_RULES: tuple[Rule, ...] = (
    Rule("religion.explicite", Category.RELIGION, Severity.FORBIDDEN, _re(
        r"""\b(?:de\s+)?confession\s+(?:catholique|musulmane|juive|protestante|chretienne|
            israelite|orthodoxe|religieuse)\b
          | \b(?:candidat|personne|profil)\w*\s+(?:catholique|musulman|juif|juive|protestant|
            chretien|athee|croyant|pratiquant)e?s?\b
          | \b(?:pratiquant|croyant|athee|non[-\s]croyant|non[-\s]pratiquant)e?s?\s+
            (?:exige|souhaite|obligatoire|de\s+preference|uniquement|prefere)\w*
          | \b(?:sans|pas\s+de|aucun|interdiction\s+du?)\s+(?:voile|foulard|signes?\s+religieux|
            port\s+du\s+voile|kippa|turban|hijab)\b
          | \b(?:voile|foulard|hijab)\s+(?:interdit|refuse|non\s+accepte|proscrit)\w*
          | \b(?:musulman|juif|chretien|catholique)s?\s+s'abstenir\b
          | \breligion\b"""),
        L1132, "L'offre fait référence aux convictions religieuses.",
        "Supprimer la mention ; une clause de neutralité ne peut figurer qu'au règlement "
        "intérieur, justifiée et proportionnée.",
        unless=(_re(r"\b(?:neutralite|laicite|reglement\s+interieur|service\s+public|"
                    r"hygiene|securite|epi|fait\s+religieux|histoire|enseign\w*|sciences?)\b"),),
        unless_in_offer=(_TENDENCY_RELIGIOUS,)),
)

OPINION_RULES: tuple[Rule, ...] = (
    Rule("opinions.syndicales_politiques", Category.OPINIONS, Severity.FORBIDDEN, _re(
        r"""\b(?:non|pas|aucune?|sans)\s+(?:d'\s*|de\s+)?(?:syndique|syndicalis\w*|adhesion\s+syndicale|
            engagement\s+(?:syndical|politique)|activites?\s+syndicales?|
            appartenance\s+syndicale|mandat\s+syndical|engagement\s+militant)\w*
          | \bsyndicalistes?\s+s'abstenir\b | \bsyndiques?\s+s'abstenir\b
          | \b(?:appartenance|affiliation|adhesion)\s+(?:syndicale|politique)\b
          | \b(?:opinions?|convictions?|sensibilites?|engagements?)\s+politiques?\b
          | \bapolitiques?\b
          | \b(?:militant|sympathisant|adherent)\w*\s+(?:du|au|d'un)\s+(?:parti|syndicat|
            mouvement)\b
          | \bcarte\s+(?:du|d'un)\s+parti\b"""),
        L1132, "L'offre fait référence aux opinions politiques ou à l'activité syndicale.",
        "Supprimer la mention ; l'engagement syndical ou politique ne peut pas être un "
        "critère.",
        unless_in_offer=(_TENDENCY_POLITICAL,)),
)

RESIDENCE_RULES: tuple[Rule, ...] = (
    Rule("residence.exigee", Category.RESIDENCE, Severity.FORBIDDEN, _re(
        r"""\b(?:resid|habit|domicili|demeur)\w*\s+(?:a|au|aux|dans|sur|en)\s+
            [\w' -]{2,40}?\s*(?:uniquement|exclusivement|obligatoire(?:ment)?|imperati\w*|
            exige\w*|indispensable|requis\w*)\b
          | \b(?:candidats?|personnes?|profils?)\s+(?:resid|habit|domicili|demeur)\w*\s+
            (?:a|au|aux|dans|sur|en)\b
          | \b(?:habitants?|residents?)\s+(?:de|du|des)\s+[\w' -]{2,30}?\s+(?:uniquement|
            exclusivement|prioritaires?|en\s+priorite)\b
          | \bcandidat(?:ure)?s?\s+loca(?:l|le|les|ux)\b
          | \b(?:uniquement|exclusivement|seulement)\s+(?:des\s+)?(?:candidats?\s+)?
            (?:locaux|du\s+secteur|de\s+la\s+commune|du\s+departement)"""),
        L1132, "Le lieu de résidence est un critère interdit ; seule une contrainte réelle du "
        "poste (astreinte, délai d'intervention) peut justifier une exigence de proximité.",
        "Décrire la contrainte du poste : « prise de poste à 6 h à Aubenas, pas de transport "
        "en commun » plutôt que le lieu de résidence.",
        unless=(_re(r"\b(?:ehpad|etablissements?|foyers?|structures?|accueilli\w*|"
                    r"beneficiaires|usagers|patients?|accompagn\w*|logements?)\b"),),
        unless_in_offer=(_ON_CALL,)),
    Rule("residence.proximite", Category.RESIDENCE, Severity.TO_CHECK, _re(
        r"""\b(?:resid|habit|domicili|vivr|vivant|demeur)\w*\s+(?:a\s+)?(?:moins\s+de|
            a\s+proximite|proche|pres|non\s+loin|dans\s+un\s+rayon)\b
          | \bdomicile\s+(?:a|au)\s+moins\s+de\b
          | \b(?:etre|etant)\s+(?:du\s+secteur|de\s+la\s+region|du\s+coin|local)\b"""),
        L1132, "Exiger d'habiter près du lieu de travail touche au lieu de résidence.",
        "Indiquer les horaires et l'accès (« prise de poste à 5 h, site non desservi ») ; le "
        "candidat juge de son trajet.",
        unless_in_offer=(_ON_CALL,)),
)

LANGUAGE_RULES: tuple[Rule, ...] = (
    Rule("langue.maternelle", Category.LANGUAGE, Severity.FORBIDDEN, _re(
        r"""\blangue\s+maternelle\b | \bnative\s+speaker\b
          | \b(?:anglais|francais|allemand|espagnol|italien|arabe|portugais|neerlandais|
            chinois|russe)\s+(?:natif|native|de\s+naissance)\b
          | \b(?:natif|native|natifs|natives)\s+(?:anglais|francais|allemand|espagnol|
            italien|arabe|portugais|neerlandais|chinois|russe|anglophone|francophone|
            hispanophone|germanophone)\w*
          | \bbilingue\s+de\s+naissance\b"""),
        L1132, "Exiger une langue « maternelle » ou « native » sélectionne sur l'origine ; seul "
        "un niveau de langue peut être demandé.",
        "Indiquer le niveau attendu : « anglais courant (niveau C1) ».",
    ),
    Rule("langue.non_justifiee", Category.LANGUAGE, Severity.TO_CHECK, _re(
        r"""\b(?:l'\s*)?(arabe|turc|portugais|polonais|roumain|russe|chinois|mandarin|
            vietnamien|tamoul|wolof|berbere|kabyle|serbe|albanais|ukrainien|hebreu|creole|
            bambara|lingala|tagalog|ourdou|hindi|persan|farsi)\s+(?:courant\s+|couramment\s+|
            parle\s+|lu\s+et\s+ecrit\s+)?(?:exige|obligatoire|imperati|indispensable|requis|
            necessaire)\w*"""),
        L1132, "Une langue autre que le français n'est exigible que si le poste en a "
        "besoin ; sinon elle sélectionne sur l'origine.",
        "Expliquer pourquoi le poste demande cette langue (clientèle, partenaires) ou retirer "
        "l'exigence.",
        unless=(_JOB_WITH_LANGUAGE,), unless_in_offer=(_JOB_WITH_LANGUAGE,)),
)

MORALS_RULES: tuple[Rule, ...] = (
    Rule("moeurs.orientation", Category.MORALS, Severity.FORBIDDEN, _re(
        r"""\b(?:hetero|homo|bi)sexuel\w*\b | \borientation\s+sexuelle\b
          | \bidentite\s+de\s+genre\b
          | \b(?:transgenres?|trans|gays?|lesbiennes?|lgbt\w*)\s+s'abstenir\b
          | \bbonnes?\s+m(?:oe|œ)urs\b | \bvie\s+privee\s+(?:irreprochable|exemplaire|rangee)\b"""),
        L1132, "L'offre fait référence aux mœurs, à l'orientation sexuelle ou à l'identité de "
        "genre.",
        "Supprimer la mention ; si un extrait de casier judiciaire est légalement requis, "
        "le dire ainsi.",
        unless=(_re(r"\b(?:lutte|prevention|sensibilisation|accompagn\w*|sante\s+sexuelle|"
                    r"victimes?|violences?)\b"),)),
)

ECONOMIC_RULES: tuple[Rule, ...] = (
    Rule("economie.banque_precarite", Category.ECONOMIC, Severity.FORBIDDEN, _re(
        r"""\bdomiciliation\s+bancaire\b
          | \b(?:non|pas|ne\s+pas\s+etre)\s+(?:fiche|interdit)\w*\s+(?:bancaire|a\s+la\s+banque|
            banque\s+de\s+france)
          | \binterdits?\s+bancaires?\s+s'abstenir | \bfichier\s+banque\s+de\s+france\b
          | \b(?:sans|pas\s+de|aucun)\s+(?:dettes?|credits?\s+en\s+cours|surendettement)\b
          | \b(?:beneficiaires?\s+du\s+)?(?:rsa|rmi)\s+s'abstenir\b
          | \bchomeurs?\s+(?:de\s+longue\s+duree\s+)?s'abstenir\b
          | \b(?:sdf|sans\s+domicile)\s+s'abstenir\b
          | \bdemandeurs?\s+d'emploi\s+(?:de\s+longue\s+duree\s+)?s'abstenir\b
          | \b(?:pas|non)\s+(?:de\s+)?(?:chomeurs?|allocataires?|beneficiaires?\s+du\s+rsa)\b"""),
        L1132, "L'offre écarte des candidats selon leur situation économique ou leur banque.",
        "Supprimer la mention ; la situation financière du candidat ne peut pas être un "
        "critère.",
        unless=(_re(r"\b(?:dossiers?|traitement|commission|instruct\w*|prevention|"
                    r"conseil\w*)\b"),)),
)

RULES: tuple[Rule, ...] = (*AGE_RULES, *SEX_RULES, *ORIGIN_RULES, *NATIONALITY_RULES,
                           *FAMILY_RULES, *APPEARANCE_RULES, *HEALTH_RULES, *RELIGION_RULES,
                           *OPINION_RULES, *RESIDENCE_RULES, *LANGUAGE_RULES, *MORALS_RULES,
                           *ECONOMIC_RULES)

# A hand-written lexicon of common feminine job words (folded) and their masculine, used
# when no taxonomy table is given; the ROME's table (1,272 pairs) replaces it in the engine.
_FEMININE_WORDS = """
vendeuse:vendeur serveuse:serveur caissiere:caissier coiffeuse:coiffeur
estheticienne:estheticien infirmiere:infirmier assistante:assistant secretaire:secretaire
hotesse:hote employee:employe ouvriere:ouvrier cuisiniere:cuisinier boulangere:boulanger
patissiere:patissier bouchere:boucher charcutiere:charcutier conductrice:conducteur
directrice:directeur animatrice:animateur educatrice:educateur formatrice:formateur
monitrice:moniteur accompagnatrice:accompagnateur aide-soignante:aide-soignant
soignante:soignant agente:agent commerciale:commercial comptable:comptable
technicienne:technicien ingenieure:ingenieur gouvernante:gouvernant lingere:linger
menagere:menager nourrice:nourricier femme:homme fille:garcon dame:monsieur
standardiste:standardiste receptionniste:receptionniste
operatrice:operateur preparatrice:preparateur manutentionnaire:manutentionnaire
magasiniere:magasinier livreuse:livreur chauffeuse:chauffeur jardiniere:jardinier
mecanicienne:mecanicien electricienne:electricien plombiere:plombier macon:macon
maconne:macon menuisiere:menuisier couturiere:couturier repasseuse:repasseur
blanchisseuse:blanchisseur nettoyeuse:nettoyeur laveuse:laveur plongeuse:plongeur
equipiere:equipier polyvalente:polyvalent conseillere:conseiller gestionnaire:gestionnaire
chargee:charge responsable:responsable adjointe:adjoint cheffe:chef auxiliaire:auxiliaire
puericultrice:puericulteur institutrice:instituteur redactrice:redacteur
traductrice:traducteur acheteuse:acheteur negociatrice:negociateur
coordinatrice:coordinateur administratrice:administrateur factrice:facteur
couvreuse:couvreur soudeuse:soudeur tourneuse:tourneur fraiseuse:fraiseur
cueilleuse:cueilleur vendangeuse:vendangeur eleveuse:eleveur agricultrice:agriculteur
viticultrice:viticulteur maraichere:maraicher fleuriste:fleuriste bijoutiere:bijoutier
opticienne:opticien pharmacienne:pharmacien laborantine:laborantin veilleuse:veilleur
surveillante:surveillant gardienne:gardien concierge:concierge ambulanciere:ambulancier
brancardiere:brancardier kinesitherapeute:kinesitherapeute orthophoniste:orthophoniste
psychologue:psychologue avocate:avocat juriste:juriste notaire:notaire
commise:commis barmaid:barman sommeliere:sommelier crepiere:crepier pizzaiola:pizzaiolo
"""


def feminine_title_words() -> dict[str, str]:
    """The built-in feminine → masculine job words (folded), epicene words excluded."""
    pairs = (entry.split(":") for entry in _FEMININE_WORDS.split())
    return {feminine: masculine for feminine, masculine in pairs if feminine != masculine}
