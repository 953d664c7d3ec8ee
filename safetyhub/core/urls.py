from django.contrib.auth import views as auth_views
from django.urls import path

from .forms.accounts import QueuedPasswordResetForm
from .views import accounts, board_packs, notifications, organizations, search, system

urlpatterns = [
    path("", organizations.home, name="home"),
    path("healthz", system.healthz, name="healthz"),
    path("favicon.ico", system.favicon, name="favicon"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/login/verify/", accounts.login_verify, name="login_verify"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="core/accounts/password_reset.html",
            form_class=QueuedPasswordResetForm,
            email_template_name="core/email/password_reset.txt",
            subject_template_name="core/email/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="core/accounts/password_reset_sent.html"
        ),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="core/accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("account/", accounts.account, name="account"),
    path("account/notifications/", accounts.notification_settings,
         name="notification_settings"),
    path("account/two-factor/", accounts.two_factor_settings, name="two_factor"),
    path("account/tokens/<str:pk>/revoke/", accounts.api_token_revoke, name="api_token_revoke"),
    path("invitations/<str:token>/", organizations.accept_invitation, name="accept_invitation"),
    path("o/<slug:org_slug>/", organizations.dashboard, name="dashboard"),
    path("o/<slug:org_slug>/members/", organizations.members, name="members"),
    path("o/<slug:org_slug>/members/<str:pk>/", organizations.member_update,
         name="member_update"),
    path("o/<slug:org_slug>/invitations/<str:pk>/revoke/", organizations.invitation_revoke,
         name="invitation_revoke"),
    path("o/<slug:org_slug>/sites/", organizations.sites, name="sites"),
    path("o/<slug:org_slug>/settings/", organizations.organization_settings,
         name="organization_settings"),
    path("o/<slug:org_slug>/notifications/", notifications.notification_list,
         name="notifications"),
    path("o/<slug:org_slug>/notifications/read/", notifications.notification_read_all,
         name="notifications_read_all"),
    path("o/<slug:org_slug>/notifications/<str:pk>/read/", notifications.notification_read,
         name="notifications_read"),
    path("o/<slug:org_slug>/audit/", organizations.audit_log, name="audit_log"),
    path("o/<slug:org_slug>/search/", search.search_page, name="search"),
    path("o/<slug:org_slug>/audit.csv", organizations.audit_log_csv, name="audit_log_csv"),
    path("o/<slug:org_slug>/board-packs/", board_packs.board_packs, name="board_packs"),
    path("o/<slug:org_slug>/board-packs/<str:pk>/", board_packs.board_pack_page,
         name="board_pack"),
    path("o/<slug:org_slug>/board-packs/<str:pk>/edit/", board_packs.board_pack_edit,
         name="board_pack_edit"),
    path("o/<slug:org_slug>/board-packs/<str:pk>/generate/", board_packs.board_pack_generate,
         name="board_pack_generate"),
    path("o/<slug:org_slug>/board-packs/<str:pk>/status/", board_packs.board_pack_status,
         name="board_pack_status"),
    path("o/<slug:org_slug>/board-packs/<str:pk>/pdf/", board_packs.board_pack_pdf,
         name="board_pack_pdf"),
]
