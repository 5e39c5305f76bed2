"""Typed SQLAlchemy 2 models. Import them from here."""

from .api_token import ApiToken
from .assessment import Assessment, AssessmentVersion, Question
from .audit import AuditEvent
from .certificate import Certificate, CertificateStatus, SerialCounter, Workshop
from .course import Course, CourseFile, Module, ModuleVersion, Programme
from .organisation import Organisation, OrganisationType, Province
from .progress import (
    AssessmentAttempt,
    AttemptAnswer,
    AttemptStatus,
    Enrolment,
    EnrolmentStatus,
    ModuleProgress,
)
from .user import Membership, MembershipStatus, Role, RoleAssignment, User, new_session_token

__all__ = [
    "ApiToken", "Assessment", "AssessmentAttempt", "AssessmentVersion", "AttemptAnswer",
    "AttemptStatus",
    "AuditEvent", "Certificate", "CertificateStatus", "Course", "CourseFile", "Enrolment",
    "EnrolmentStatus", "Membership", "MembershipStatus", "Module", "ModuleProgress",
    "ModuleVersion", "Organisation", "OrganisationType", "Programme", "Province", "Question",
    "Role", "RoleAssignment", "SerialCounter", "User", "Workshop", "new_session_token",
]
