"""Safekeep's typed models. Every row belongs to one school (the tenant)."""

from storage.models.audit import AuditEvent
from storage.models.aup import (
    AupAcknowledgement,
    AupCampaign,
    AupExemption,
    AupQuestion,
    AupVersion,
)
from storage.models.base import Base
from storage.models.concerns import Concern, ConcernEvent
from storage.models.delivery import LedgerEntry, OutboxFile, OutboxMessage, TeamsConversation
from storage.models.incidents import Incident, IncidentEvent
from storage.models.offsite import OffsiteApproval, OffsiteDeclaration, OffsiteItem
from storage.models.policies import PolicyReview
from storage.models.school import Person, PlatformIdentity, RoleAssignment, School
from storage.models.slack import slack_bots, slack_installations, slack_oauth_states

__all__ = [
    "AuditEvent",
    "AupAcknowledgement",
    "AupCampaign",
    "AupExemption",
    "AupQuestion",
    "AupVersion",
    "Base",
    "Concern",
    "ConcernEvent",
    "Incident",
    "IncidentEvent",
    "LedgerEntry",
    "OffsiteApproval",
    "OffsiteDeclaration",
    "OffsiteItem",
    "OutboxFile",
    "OutboxMessage",
    "Person",
    "PlatformIdentity",
    "PolicyReview",
    "RoleAssignment",
    "School",
    "TeamsConversation",
    "slack_bots",
    "slack_installations",
    "slack_oauth_states",
]
