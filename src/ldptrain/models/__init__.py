"""Typed SQLAlchemy 2 models. Import them from here."""

from .api_token import ApiToken
from .assessment import Assessment, AssessmentVersion, Question
from .audit import AuditEvent
from .authoring import ContentDraft, ContentPublication
from .cert_template import CertificateTemplate
from .certificate import Certificate, CertificateStatus, SerialCounter, Workshop
from .course import Course, CourseFile, Module, ModuleVersion, Programme
from .jobs import Download, Job, JobState, MailStatus, OutboxMessage
from .organisation import GapReminder, Organisation, OrganisationType, Province
from .progress import (
    AssessmentAttempt,
    AttemptAnswer,
    AttemptStatus,
    Enrolment,
    EnrolmentStatus,
    ModuleProgress,
)
from .session import LoginSession, SignInFailures
from .signup import PendingSignup
from .tally import (
    DERIVED,
    TALLIES,
    CourseTally,
    DurationTally,
    MonthTally,
    OrganisationTally,
    RegionDurationTally,
    RegionMonthTally,
    TraineeTally,
    UserTally,
)
from .trainer import TrainerAssignment
from .user import Membership, MembershipStatus, Role, RoleAssignment, User, new_session_token

__all__ = [
    "ApiToken", "Assessment", "AssessmentAttempt", "AssessmentVersion", "AttemptAnswer",
    "AttemptStatus", "AuditEvent", "Certificate", "CertificateStatus", "CertificateTemplate",
    "ContentDraft",
    "ContentPublication", "Course", "CourseFile", "CourseTally", "DERIVED", "Download",
    "DurationTally", "Enrolment", "EnrolmentStatus", "GapReminder", "Job", "JobState",
    "LoginSession", "MailStatus", "Membership", "MembershipStatus", "Module", "ModuleProgress",
    "ModuleVersion", "MonthTally", "new_session_token", "Organisation", "OrganisationTally",
    "OrganisationType", "OutboxMessage", "PendingSignup", "Programme",
    "Province", "Question", "RegionDurationTally", "RegionMonthTally", "Role",
    "RoleAssignment", "SerialCounter", "SignInFailures", "TALLIES", "TraineeTally",
    "TrainerAssignment", "User", "UserTally", "Workshop",
]
