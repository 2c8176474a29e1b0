"""Version 3: storage speaks codes; enums are stored by member name, not by value.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-10

Some enum values are French display labels (« Création de la structure »,
« EN_ATTENTE »): stored as such, fixing a label would be a data migration.
From this revision on, documents and columns hold member names
(``STRUCTURE_CREATED``, ``PENDING``), which code decides and labels do not.

Every JSON document is rewritten (accounts, structures, attachments,
subscriptions, the managers' history, the outbox), then the ``state``
columns of the attachments (and, unchanged since their names equal their
values, of the accounts and subscriptions, and the subscriptions'
``espace``); the partial unique index of the live attachments is rebuilt on
the names.

Frozen: the tables below are what the enums were when this revision was
written, pasted as literals, so that renaming or adding a member later
changes nothing here. A value that is in no table (a document damaged by
hand, a version-1 event kept as a dead letter) is left as it is.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Each enum a stored document could hold: its values and the member names they become.
ENUMS: dict[str, dict[str, str]] = {
    "AccountState": {
        "CREATED": "CREATED",
        "ACTIVATION_PENDING": "ACTIVATION_PENDING",
        "EXPIRED": "EXPIRED",
        "ACTIVE": "ACTIVE",
        "DEACTIVATED": "DEACTIVATED",
    },
    "AttachmentState": {
        "EN_ATTENTE": "PENDING",
        "VALIDE": "VALIDATED",
        "REFUSE": "REFUSED",
        "RETIREE": "WITHDRAWN",
        "TERMINE": "ENDED",
    },
    "CategorieBeneficiaire": {
        "Exploitant agricole individuel": "EXPLOITANT_INDIVIDUEL",
        "Société agricole": "SOCIETE_AGRICOLE",
        "Entreprise de travaux agricoles ou forestiers": "ENTREPRISE_TRAVAUX_AGRICOLES",
        "Coopérative d'utilisation de matériel agricole": "CUMA",
        "Autre bénéficiaire": "AUTRE",
    },
    "CategoriePrestataire": {
        "Administrateur ad hoc": "ADMINISTRATEUR_AD_HOC",
        "Association habilitée": "ASSOCIATION_HABILITEE",
        "Contrôleur judiciaire": "CONTROLEUR_JUDICIAIRE",
        "Délégué du procureur": "DELEGUE_PROCUREUR",
        "Enquêteur social": "ENQUETEUR_SOCIAL",
        "Expert": "EXPERT",
        "Gardien de scellés": "GARDIEN_SCELLES",
        "Interprète-traducteur": "INTERPRETE_TRADUCTEUR",
        "Médecin": "MEDECIN",
        "Médiateur": "MEDIATEUR",
        "Opérateur de communications électroniques": "OPERATEUR_COMMUNICATIONS",
        "Autre prestataire": "AUTRE",
    },
    "Espace": {
        "FACTURES_EMISES": "FACTURES_EMISES",
        "SOLLICITATIONS_EMISES": "SOLLICITATIONS_EMISES",
        "DEMANDE_REMBOURSEMENT_TIC": "DEMANDE_REMBOURSEMENT_TIC",
        "MEMOIRES_FRAIS_JUSTICE": "MEMOIRES_FRAIS_JUSTICE",
        "FACTURES_TRAVAUX": "FACTURES_TRAVAUX",
        "FACTURES_A_VALIDER": "FACTURES_A_VALIDER",
        "ENGAGEMENTS": "ENGAGEMENTS",
        "RACCORDEMENT_EDI_API": "RACCORDEMENT_EDI_API",
        "SUIVI_FLUX": "SUIVI_FLUX",
        "FACTURES_RECUES": "FACTURES_RECUES",
        "SOLLICITATIONS_RECUES": "SOLLICITATIONS_RECUES",
    },
    "Habilitation": {
        "CONSULTATION_UNIQUEMENT": "CONSULTATION_UNIQUEMENT",
        "MODIFICATION": "MODIFICATION",
    },
    "IdentifierType": {
        "SIRET": "SIRET",
        "UE_HORS_FRANCE": "UE_HORS_FRANCE",
        "HORS_UE": "HORS_UE",
        "RIDET": "RIDET",
        "TAHITI": "TAHITI",
        "PARTICULIER": "PARTICULIER",
        "AUTRE": "AUTRE",
    },
    "ManagerActionKind": {
        "Création de la structure": "STRUCTURE_CREATED",
        "Modification de la structure": "STRUCTURE_MODIFIED",
        "Ouverture d'espace": "ESPACE_OPENED",
        "Fermeture d'espace": "ESPACE_CLOSED",
        "Ajout de service": "SERVICE_ADDED",
        "Validation de rattachement": "ATTACHMENT_VALIDATED",
        "Refus de rattachement": "ATTACHMENT_REFUSED",
        "Rattachement direct": "USER_ATTACHED",
        "Détachement": "USER_DETACHED",
        "Validation d'abonnement": "SUBSCRIPTION_VALIDATED",
        "Refus d'abonnement": "SUBSCRIPTION_REFUSED",
        "Révocation d'abonnement": "SUBSCRIPTION_REVOKED",
        "Abonnement accordé": "SUBSCRIPTION_GRANTED",
        "Délégation des droits de gestionnaire": "MANAGER_GRANTED",
        "Retrait des droits de gestionnaire": "MANAGER_REVOKED",
        "Transfert du rôle de gestionnaire principal": "PRINCIPAL_TRANSFERRED",
        "Nomination du gestionnaire principal par le support": "PRINCIPAL_APPOINTED",
        "Renvoi du courriel d'activation": "ACTIVATION_RESENT",
    },
    "Purpose": {
        "Déposer des demandes de paiement": "DEPOSER_DEMANDES_PAIEMENT",
        "Créer et/ou consulter des DUME": "DUME",
    },
    "StructureStatus": {"ACTIF": "ACTIF", "INACTIF": "INACTIF"},
    "SubscriptionState": {
        "EN_COURS_DE_VALIDATION": "EN_COURS_DE_VALIDATION",
        "VALIDE": "VALIDE",
        "REFUSE": "REFUSE",
        "ANNULE": "ANNULE",
        "REVOQUE": "REVOQUE",
    },
}

# Where the enums sit in each kind of document: a field holds an enum (its
# name in ENUMS), or a value object (a nested shape); a list applies its
# field's shape to each item. Fields without any enum are left out. Outbox
# documents are found by the entry's event name.
SHAPES: dict[str, dict[str, Any]] = {
    "Account": {"state": "AccountState"},
    "Structure": {
        "identifier": {"type": "IdentifierType"},
        "purposes": "Purpose",
        "status": "StructureStatus",
        "espaces": {
            "espace": "Espace",
            "parameters": {
                "categorie_prestataire": "CategoriePrestataire",
                "categorie_beneficiaire": "CategorieBeneficiaire",
            },
        },
    },
    "Attachment": {"state": "AttachmentState"},
    "Subscription": {
        "espace": "Espace",
        "habilitation": "Habilitation",
        "state": "SubscriptionState",
    },
    "ManagerAction": {"kind": "ManagerActionKind"},
    "AttachmentDecided": {"outcome": "AttachmentState"},
    "StructureChanged": {"kind": "ManagerActionKind"},
    "SubscriptionDecided": {
        "espace": "Espace",
        "habilitation": "Habilitation",
        "outcome": "SubscriptionState",
    },
    "SubscriptionRequested": {"espace": "Espace", "habilitation": "Habilitation"},
}

_BATCH = 500


def upgrade() -> None:
    """Rewrite documents and columns from enum values to member names, rebuild the index."""
    # The old index names the old values: rows leaving its condition are fine,
    # but it must be gone before the new one is built on the names.
    op.drop_index("co_attachments_one_live", table_name="co_attachments")
    _rename_column("co_accounts", "state", "AccountState")
    _rename_column("co_attachments", "state", "AttachmentState")
    _rename_column("co_subscriptions", "state", "SubscriptionState")
    _rename_column("co_subscriptions", "espace", "Espace")
    live = sa.text("state IN ('PENDING', 'VALIDATED')")
    op.create_index(
        "co_attachments_one_live",
        "co_attachments",
        ["account_id", "structure_id"],
        unique=True,
        postgresql_where=live,
        sqlite_where=live,
    )
    for table, kind in (
        ("co_accounts", "Account"),
        ("co_structures", "Structure"),
        ("co_attachments", "Attachment"),
        ("co_subscriptions", "Subscription"),
    ):
        _rewrite(table, "id", sa.String(), kind)
    _rewrite("co_history", "seq", sa.BigInteger(), "ManagerAction")
    _rewrite("co_outbox", "seq", sa.BigInteger(), None)
    versions = sa.table(
        "co_schema_version", sa.column("version", sa.Integer()), sa.column("applied_at")
    )
    op.execute(
        versions.insert().values(version=3, applied_at=datetime.now(UTC).replace(tzinfo=None))
    )


def _rename_column(table: str, column: str, enum: str) -> None:
    renamed = {value: name for value, name in ENUMS[enum].items() if value != name}
    if not renamed:
        return  # every name equals its value: nothing to rewrite
    target = sa.table(table, sa.column(column, sa.String()))
    # One statement: no row is renamed twice, whatever the values and names.
    op.execute(
        sa.update(target)
        .where(target.c[column].in_(list(renamed)))
        .values({column: sa.case(renamed, value=target.c[column])})
    )


def _rewrite(name: str, key: str, key_type: sa.types.TypeEngine[Any], kind: str | None) -> None:
    """Rewrite the documents of ``name``, all of ``kind`` (None: the outbox's, by event name)."""
    connection = op.get_bind()
    columns = [sa.column(key, key_type), sa.column("document", sa.JSON())]
    if name == "co_outbox":
        columns.append(sa.column("event", sa.String()))
    table = sa.table(name, *columns)
    # Read as text where the database hands text back (SQLite): a document
    # that is not JSON at all is left for the library to report, row by row.
    raw = sa.type_coerce(table.c.document, sa.Text()).label("raw")
    selected = [table.c[key], raw, *([table.c.event] if name == "co_outbox" else [])]
    last: Any = None
    while True:
        query = sa.select(*selected).order_by(table.c[key]).limit(_BATCH)
        if last is not None:
            query = query.where(table.c[key] > last)
        rows = connection.execute(query).all()
        if not rows:
            return
        changed = []
        for row in rows:
            document = _parsed(row.raw)
            shape = SHAPES.get(kind or row.event)
            if document is None or not shape:
                continue
            renamed = _renamed(document, shape)
            if renamed != document:
                changed.append({"_key": row[0], "document": renamed})
        if changed:
            connection.execute(
                sa.update(table)
                .where(table.c[key] == sa.bindparam("_key"))
                .values(document=sa.bindparam("document", type_=sa.JSON())),
                changed,
            )
        last = rows[-1][0]


def _parsed(raw: Any) -> Any:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return None
    return raw  # PostgreSQL's driver parses JSON itself


def _renamed(document: Any, shape: dict[str, Any]) -> Any:
    if not isinstance(document, dict):
        return document
    renamed = dict(document)
    for field, inner in shape.items():
        if field in renamed:
            renamed[field] = _value(renamed[field], inner)
    return renamed


def _value(value: Any, shape: Any) -> Any:
    if isinstance(value, list):
        return [_value(item, shape) for item in value]
    if isinstance(shape, str):
        return ENUMS[shape].get(value, value) if isinstance(value, str) else value
    return _renamed(value, shape)


def downgrade() -> None:
    """No way back: restore the backup taken before the upgrade."""
    raise RuntimeError("no way back: restore the backup taken before the upgrade")
