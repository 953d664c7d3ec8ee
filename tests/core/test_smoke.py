from django.contrib.staticfiles import finders


def test_healthz_reports_database_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_dashboard_shows_org_to_member(member_client, org):
    response = member_client.get(f"/o/{org.slug}/")
    assert response.status_code == 200
    assert org.name in response.content.decode()


def test_head_of_the_home_page_answers_like_get(client, member_client, db):
    """Uptime monitors and link checkers ask HEAD /: the same answer as GET, without a body."""
    for who in (client, member_client):
        get, head = who.get("/"), who.head("/")
        assert head.status_code == get.status_code == 302
        assert head["Location"] == get["Location"]
        assert head.content == b""


def test_the_favicon_is_served(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon"' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/static/favicon") and location.endswith(".svg")
    assert finders.find("favicon.svg")
