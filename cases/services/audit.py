from cases.models import Application, AuditEntry, User


def audit_record(*, application: Application, by: User | None, action: str, from_status: str, comment: str = "") -> AuditEntry:
    return AuditEntry.objects.create(
        application=application,
        actor=by,
        org_unit=getattr(by, "org_unit", None) if by is not None else None,
        action=action,
        from_status=from_status,
        to_status=application.status,
        comment=comment,
    )
