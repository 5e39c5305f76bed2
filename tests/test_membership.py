"""Membership: who confirms a claim, what confirmation changes, transfers keep history, scope."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from ldptrain.db import get_session
from ldptrain.models import (
    Certificate,
    Enrolment,
    EnrolmentStatus,
    Membership,
    MembershipStatus,
    Role,
)
from ldptrain.services import membership

from . import factories as f
from .conftest import csrf_token


def _claim(user_id: int, org_id: int) -> Membership:
    found = get_session().scalar(select(Membership).where(
        Membership.user_id == user_id, Membership.organisation_id == org_id))
    assert found is not None
    return found


def _post(client, url: str):  # type: ignore[no-untyped-def]
    base = url.split("/people/")[0]
    return client.post(url, data={"csrf_token": csrf_token(client, f"{base}/people/")})


def test_only_the_organisations_confirmer_may_decide(any_app: Flask) -> None:
    base = f.prefix(any_app)
    ours, theirs = f.organisation("เทศบาลตำบลเรา"), f.organisation("เทศบาลตำบลเขา")
    f.user("coord-ours@example.org", roles=(Role.COORDINATOR,), organisation=ours)
    f.user("coord-theirs@example.org", roles=(Role.COORDINATOR,), organisation=theirs)
    trainee = f.user("new@example.org", membership=MembershipStatus.PENDING, organisation=ours)
    trainee.organisation_id = None  # a self-registered claim: no organisation counted yet
    get_session().commit()
    claim = _claim(trainee.id, ours.id)
    url = f"{base}/people/memberships/{claim.id}/confirm"

    other = any_app.test_client()
    f.sign_in(other, any_app, "coord-theirs@example.org")
    listing = other.get(f"{base}/people/").get_data(as_text=True)
    assert "new@example.org" not in listing  # not in their scope
    assert _post(other, url).status_code == 403
    assert other.get(f"{base}/people/{trainee.id}").status_code == 404
    assert _post(other, f"{base}/people/memberships/{claim.id}/reject").status_code == 403
    get_session().expire_all()
    assert _claim(trainee.id, ours.id).status == MembershipStatus.PENDING

    trainee_client = any_app.test_client()
    f.sign_in(trainee_client, any_app, "new@example.org")
    assert trainee_client.get(f"{base}/people/").status_code == 403
    assert _post(trainee_client, url).status_code == 403

    coordinator = any_app.test_client()
    f.sign_in(coordinator, any_app, "coord-ours@example.org")
    listing = coordinator.get(f"{base}/people/").get_data(as_text=True)
    assert "new@example.org" in listing and f'action="{url}"' in listing
    assert "new@example.org" in coordinator.get(f"{base}/people/{trainee.id}").get_data(
        as_text=True)
    assert _post(coordinator, url).status_code == 302
    get_session().expire_all()
    assert _claim(trainee.id, ours.id).status == MembershipStatus.CONFIRMED
    assert get_session().get(type(trainee), trainee.id).organisation_id == ours.id


def test_provincial_officer_confirms_only_where_there_is_no_coordinator(app: Flask) -> None:
    with_coordinator = f.organisation("อบต.มีผู้ประสานงาน")
    without = f.organisation("อบต.ไม่มีผู้ประสานงาน")
    f.province("10", "กรุงเทพมหานคร", "Bangkok")
    elsewhere = f.organisation("อบต.จังหวัดอื่น", province_code="10")
    f.user(roles=(Role.COORDINATOR,), organisation=with_coordinator)
    officer = f.user("officer@example.org", roles=(Role.PROVINCIAL_OFFICER,))
    officer.roles[0].province_code = "50"
    claims = {}
    for org in (with_coordinator, without, elsewhere):
        person = f.user(organisation=org, membership=MembershipStatus.PENDING)
        claims[org.id] = _claim(person.id, org.id)
    get_session().flush()
    assert membership.confirmable_organisation_ids(officer, claims) == {without.id}
    assert {m.organisation_id for m in membership.pending_in_scope(officer)} == {
        with_coordinator.id, without.id}
    for org_id, allowed in ((with_coordinator.id, False), (elsewhere.id, False),
                            (without.id, True)):
        try:
            membership.confirm(claims[org_id], officer)
        except membership.NotAllowed:
            assert not allowed
        else:
            assert allowed


def test_confirmation_counts_results_made_while_pending(app: Flask) -> None:
    org = f.organisation()
    coordinator = f.user(roles=(Role.COORDINATOR,), organisation=org)
    trainee = f.user(membership=None)
    claim = membership.request_membership(trainee, org)
    course = f.course(modules=1)
    enrolment = Enrolment(user_id=trainee.id, course_id=course.id, organisation_id=None,
                          status=EnrolmentStatus.COMPLETED)
    get_session().add(enrolment)
    get_session().flush()
    certificate = Certificate(serial="DLA-TST-1", user_id=trainee.id, course_id=course.id,
                              enrolment_id=enrolment.id, organisation_id=None,
                              completed_at=enrolment.enrolled_at)
    get_session().add(certificate)
    get_session().flush()

    assert membership.confirm(claim, coordinator) == 1
    get_session().commit()
    get_session().expire_all()
    assert get_session().get(Enrolment, enrolment.id).organisation_id == org.id
    assert get_session().get(Certificate, certificate.id).organisation_id == org.id


def test_rejected_claim_counts_nothing(app: Flask) -> None:
    org = f.organisation()
    coordinator = f.user(roles=(Role.COORDINATOR,), organisation=org)
    trainee = f.user(membership=None)
    claim = membership.request_membership(trainee, org)
    membership.reject(claim, coordinator)
    get_session().commit()
    assert claim.status == MembershipStatus.REJECTED and trainee.organisation_id is None
    try:
        membership.confirm(claim, coordinator)
    except membership.MembershipError:
        pass
    else:
        raise AssertionError("a decided claim cannot be decided again")


def test_transfer_keeps_history(any_app: Flask) -> None:
    base = f.prefix(any_app)
    old, new = f.organisation("เทศบาลตำบลเดิม"), f.organisation("เทศบาลตำบลใหม่")
    f.user("coord-new@example.org", roles=(Role.COORDINATOR,), organisation=new)
    trainee = f.user("mover@example.org", organisation=old)
    course = f.course(modules=1)
    done = Enrolment(user_id=trainee.id, course_id=course.id, organisation_id=old.id,
                     status=EnrolmentStatus.COMPLETED)
    get_session().add(done)
    get_session().commit()

    client = any_app.test_client()
    f.sign_in(client, any_app, "mover@example.org")
    found = client.get(f"{base}/account/", query_string={"q": "ใหม่"}).get_data(as_text=True)
    assert f'name="organisation_id" value="{new.id}"' in found  # works with JavaScript off
    token = csrf_token(client, f"{base}/account/")
    assert client.post(f"{base}/account/transfer", data={
        "csrf_token": token, "organisation_id": str(new.id)}).status_code == 302
    get_session().expire_all()
    person = get_session().get(type(trainee), trainee.id)
    assert person.organisation_id == old.id  # still counted at the old one until confirmed
    claim = _claim(trainee.id, new.id)
    assert claim.status == MembershipStatus.PENDING

    coordinator = any_app.test_client()
    f.sign_in(coordinator, any_app, "coord-new@example.org")
    assert _post(coordinator, f"{base}/people/memberships/{claim.id}/confirm").status_code == 302
    get_session().expire_all()
    person = get_session().get(type(trainee), trainee.id)
    assert person.organisation_id == new.id
    assert _claim(trainee.id, old.id).status == MembershipStatus.ENDED
    assert _claim(trainee.id, old.id).ended_at is not None
    assert _claim(trainee.id, new.id).status == MembershipStatus.CONFIRMED
    assert get_session().get(Enrolment, done.id).organisation_id == old.id  # history stays
    history = client.get(f"{base}/account/").get_data(as_text=True)
    assert "เทศบาลตำบลเดิม" in history or old.code in history


def test_people_lists_are_scoped(app: Flask) -> None:
    a, b = f.organisation("อบต.ก"), f.organisation("อบต.ข")
    f.province("10", "กรุงเทพมหานคร", "Bangkok")
    c = f.organisation("อบต.ค", province_code="10")
    coordinator = f.user(roles=(Role.COORDINATOR,), organisation=a)
    officer = f.user(roles=(Role.PROVINCIAL_OFFICER,))
    officer.roles[0].province_code = "50"
    admin = f.user(roles=(Role.ADMIN,))
    names = {org.id: f.user(f"member-{org.name_th}@example.org", organisation=org).email
             for org in (a, b, c)}
    get_session().flush()

    def emails(viewer) -> set[str]:  # type: ignore[no-untyped-def]
        people, total = membership.people_in_scope(viewer, "member-")
        assert total == len(people)
        return {p.email for p in people}

    assert emails(coordinator) == {names[a.id]}
    assert emails(officer) == {names[a.id], names[b.id]}
    assert emails(admin) == set(names.values())
