def test_healthz_reports_database_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_dashboard_shows_org_to_member(member_client, org):
    response = member_client.get(f"/o/{org.slug}/")
    assert response.status_code == 200
    assert org.name in response.content.decode()
