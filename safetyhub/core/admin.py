"""Django admin, for superusers only (organization admins use SafetyHub's own pages).

The admin has no sign-in of its own: its login form would accept a password alone, so
/django-admin/login/ sends people through SafetyHub's two-step sign-in, and the admin opens
only for a superuser whose session has passed the second factor.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .models import AuditEntry, HealthSystem, Membership, Organization, Site, User
from .views.accounts import safe_next


def admin_has_permission(request: HttpRequest) -> bool:
    """Superusers only, and only in a session verified with their second factor (an admin
    can change anyone's account, so a password alone must never be enough)."""
    user = request.user
    return user.is_active and user.is_superuser and user.is_verified()


def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """Replaces the admin's password-only login: sign in (with the code step) on SafetyHub's
    own page, or verify this session with a code, then come back."""
    next_url = safe_next(request) or reverse("admin:index")
    query = urlencode({"next": next_url})
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?{query}")
    if request.user.is_active and request.user.is_superuser:
        if not request.user.is_verified():  # set up, or enter a code for this session
            return redirect(f"{reverse('two_factor')}?{query}")
        return redirect(next_url)
    raise PermissionDenied("The Django administration is for superusers only.")


admin.site.has_permission = admin_has_permission
admin.site.login = admin_login


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_superuser", "last_login"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "password"]}),
        ("Status", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "full_name", "password1", "password2"]})]


@admin.register(HealthSystem)
class HealthSystemAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "health_system", "require_two_factor"]
    search_fields = ["name", "slug"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "is_active"]
    list_filter = ["role", "is_active"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "kind", "parent"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "chain", "seq", "actor_label", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
