"""create the schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schools",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("slack_team_id", sa.String(length=32), nullable=True),
        sa.Column("teams_tenant_id", sa.String(length=64), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.Column("audit_head", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schools")),
        sa.UniqueConstraint("slack_team_id", name=op.f("uq_schools_slack_team_id")),
        sa.UniqueConstraint("teams_tenant_id", name=op.f("uq_schools_teams_tenant_id")),
    )
    op.create_table(
        "notification_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("window", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_notification_ledger_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_ledger")),
        sa.UniqueConstraint(
            "school_id",
            "subject",
            "kind",
            "window",
            name=op.f("uq_notification_ledger_school_id_subject_kind_window"),
        ),
    )
    with op.batch_alter_table("notification_ledger", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_ledger_school_id"), ["school_id"], unique=False
        )

    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role_group", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_people_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("school_id", "email", name=op.f("uq_people_school_id_email")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_school_id"), ["school_id"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["people.id"], name=op.f("fk_audit_events_actor_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_audit_events_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("school_id", "seq", name=op.f("uq_audit_events_school_id_seq")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_school_id"), ["school_id"], unique=False)

    op.create_table(
        "aup_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["people.id"], name=op.f("fk_aup_versions_published_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_aup_versions_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aup_versions")),
        sa.UniqueConstraint("school_id", "version", name=op.f("uq_aup_versions_school_id_version")),
    )
    with op.batch_alter_table("aup_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aup_versions_school_id"), ["school_id"], unique=False)

    op.create_table(
        "offsite_declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("asset_tag", sa.Text(), nullable=True),
        sa.Column("encryption_confirmed", sa.String(length=16), nullable=False),
        sa.Column("people_band", sa.String(length=32), nullable=False),
        sa.Column("class_code", sa.Text(), nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("purpose_detail", sa.Text(), nullable=True),
        sa.Column("destination_type", sa.String(length=32), nullable=False),
        sa.Column("other_category", sa.Text(), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected_return", sa.Date(), nullable=False),
        sa.Column("permission_basis", sa.String(length=16), nullable=False),
        sa.Column("attested", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("copies_destroyed", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_offsite_declarations_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_offsite_declarations_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offsite_declarations")),
    )
    with op.batch_alter_table("offsite_declarations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_offsite_declarations_expected_return"), ["expected_return"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_offsite_declarations_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_offsite_declarations_school_id"), ["school_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_offsite_declarations_status"), ["status"], unique=False
        )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=True),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("platform_ref", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("in_doubt_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("in_doubt_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ledger_id"],
            ["notification_ledger.id"],
            name=op.f("fk_outbox_ledger_id_notification_ledger"),
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["people.id"], name=op.f("fk_outbox_recipient_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_outbox_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbox_recipient_id"), ["recipient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_status"), ["status"], unique=False)

    op.create_table(
        "platform_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_platform_identities_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_platform_identities_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_identities")),
        sa.UniqueConstraint(
            "school_id",
            "platform",
            "external_id",
            name=op.f("uq_platform_identities_school_id_platform_external_id"),
        ),
    )
    with op.batch_alter_table("platform_identities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platform_identities_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_platform_identities_school_id"), ["school_id"], unique=False
        )

    op.create_table(
        "role_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_role_assignments_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_role_assignments_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_assignments")),
        sa.UniqueConstraint("person_id", "role", name=op.f("uq_role_assignments_person_id_role")),
    )
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_role_assignments_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_role_assignments_school_id"), ["school_id"], unique=False
        )

    op.create_table(
        "teams_conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_teams_conversations_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_teams_conversations_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams_conversations")),
        sa.UniqueConstraint("person_id", name=op.f("uq_teams_conversations_person_id")),
    )
    with op.batch_alter_table("teams_conversations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_teams_conversations_school_id"), ["school_id"], unique=False
        )

    op.create_table(
        "aup_acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("aup_version_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("cycle", sa.String(length=64), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("platform_user_id", sa.String(length=128), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["aup_version_id"],
            ["aup_versions.id"],
            name=op.f("fk_aup_acknowledgements_aup_version_id_aup_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_aup_acknowledgements_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_aup_acknowledgements_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aup_acknowledgements")),
        sa.UniqueConstraint(
            "person_id",
            "aup_version_id",
            "cycle",
            name=op.f("uq_aup_acknowledgements_person_id_aup_version_id_cycle"),
        ),
    )
    with op.batch_alter_table("aup_acknowledgements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_aup_acknowledgements_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_aup_acknowledgements_school_id"), ["school_id"], unique=False
        )

    op.create_table(
        "aup_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.String(length=64), nullable=False),
        sa.Column("aup_version_id", sa.Integer(), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["aup_version_id"],
            ["aup_versions.id"],
            name=op.f("fk_aup_campaigns_aup_version_id_aup_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_aup_campaigns_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aup_campaigns")),
        sa.UniqueConstraint("school_id", "cycle", name=op.f("uq_aup_campaigns_school_id_cycle")),
    )
    with op.batch_alter_table("aup_campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aup_campaigns_school_id"), ["school_id"], unique=False)

    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report_token", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("media", sa.String(length=16), nullable=False),
        sa.Column("asset_tag", sa.Text(), nullable=True),
        sa.Column("declaration_id", sa.Integer(), nullable=True),
        sa.Column("encrypted", sa.String(length=16), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("special_data", sa.String(length=16), nullable=False),
        sa.Column("people_band", sa.String(length=32), nullable=False),
        sa.Column("subject_types", sa.JSON(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("discovered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("location", sa.String(length=32), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("actions_taken", sa.Text(), nullable=True),
        sa.Column("police_ref", sa.Text(), nullable=True),
        sa.Column("child_at_risk", sa.String(length=16), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("classification", sa.String(length=16), nullable=True),
        sa.Column("cia", sa.JSON(), nullable=False),
        sa.Column("risk", sa.String(length=16), nullable=True),
        sa.Column("risk_reasoning", sa.Text(), nullable=True),
        sa.Column("record_count", sa.String(length=32), nullable=True),
        sa.Column("subject_count", sa.String(length=32), nullable=True),
        sa.Column("ico_decision", sa.String(length=16), nullable=True),
        sa.Column("ico_rationale", sa.Text(), nullable=True),
        sa.Column("ico_decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ico_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ico_case_ref", sa.Text(), nullable=True),
        sa.Column("delay_reason", sa.Text(), nullable=True),
        sa.Column("subjects_decision", sa.String(length=16), nullable=True),
        sa.Column("subjects_rationale", sa.Text(), nullable=True),
        sa.Column("art34_exception", sa.String(length=32), nullable=True),
        sa.Column("subjects_method", sa.String(length=32), nullable=True),
        sa.Column("subjects_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("other_bodies", sa.JSON(), nullable=False),
        sa.Column("containment", sa.Text(), nullable=True),
        sa.Column("lessons_learned", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["people.id"],
            name=op.f("fk_incidents_acknowledged_by_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["people.id"], name=op.f("fk_incidents_closed_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["offsite_declarations.id"],
            name=op.f("fk_incidents_declaration_id_offsite_declarations"),
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["people.id"], name=op.f("fk_incidents_reporter_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_incidents_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("school_id", "number", name=op.f("uq_incidents_school_id_number")),
        sa.UniqueConstraint(
            "school_id", "report_token", name=op.f("uq_incidents_school_id_report_token")
        ),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_reporter_id"), ["reporter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_status"), ["status"], unique=False)

    op.create_table(
        "offsite_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("approver_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approver_id"], ["people.id"], name=op.f("fk_offsite_approvals_approver_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["people.id"], name=op.f("fk_offsite_approvals_decided_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["offsite_declarations.id"],
            name=op.f("fk_offsite_approvals_declaration_id_offsite_declarations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offsite_approvals")),
    )
    with op.batch_alter_table("offsite_approvals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_offsite_approvals_declaration_id"), ["declaration_id"], unique=False
        )

    op.create_table(
        "offsite_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["offsite_declarations.id"],
            name=op.f("fk_offsite_items_declaration_id_offsite_declarations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offsite_items")),
    )
    with op.batch_alter_table("offsite_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_offsite_items_declaration_id"), ["declaration_id"], unique=False
        )

    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["people.id"], name=op.f("fk_incident_events_actor_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_events_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_events")),
    )
    with op.batch_alter_table("incident_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_events_incident_id"), ["incident_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incident_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_events_incident_id"))

    op.drop_table("incident_events")
    with op.batch_alter_table("offsite_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offsite_items_declaration_id"))

    op.drop_table("offsite_items")
    with op.batch_alter_table("offsite_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offsite_approvals_declaration_id"))

    op.drop_table("offsite_approvals")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_status"))
        batch_op.drop_index(batch_op.f("ix_incidents_school_id"))
        batch_op.drop_index(batch_op.f("ix_incidents_reporter_id"))

    op.drop_table("incidents")
    with op.batch_alter_table("aup_campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aup_campaigns_school_id"))

    op.drop_table("aup_campaigns")
    with op.batch_alter_table("aup_acknowledgements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aup_acknowledgements_school_id"))
        batch_op.drop_index(batch_op.f("ix_aup_acknowledgements_person_id"))

    op.drop_table("aup_acknowledgements")
    with op.batch_alter_table("teams_conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_conversations_school_id"))

    op.drop_table("teams_conversations")
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_assignments_school_id"))
        batch_op.drop_index(batch_op.f("ix_role_assignments_person_id"))

    op.drop_table("role_assignments")
    with op.batch_alter_table("platform_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_identities_school_id"))
        batch_op.drop_index(batch_op.f("ix_platform_identities_person_id"))

    op.drop_table("platform_identities")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_status"))
        batch_op.drop_index(batch_op.f("ix_outbox_school_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_recipient_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_next_attempt_at"))

    op.drop_table("outbox")
    with op.batch_alter_table("offsite_declarations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offsite_declarations_status"))
        batch_op.drop_index(batch_op.f("ix_offsite_declarations_school_id"))
        batch_op.drop_index(batch_op.f("ix_offsite_declarations_person_id"))
        batch_op.drop_index(batch_op.f("ix_offsite_declarations_expected_return"))

    op.drop_table("offsite_declarations")
    with op.batch_alter_table("aup_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aup_versions_school_id"))

    op.drop_table("aup_versions")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_school_id"))

    op.drop_table("audit_events")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_school_id"))

    op.drop_table("people")
    with op.batch_alter_table("notification_ledger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_ledger_school_id"))

    op.drop_table("notification_ledger")
    op.drop_table("schools")
