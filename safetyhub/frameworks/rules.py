import rules

from safetyhub.core.rules import is_org_admin

rules.add_perm("frameworks.upload_pack", is_org_admin)
