"""The one home of region scope, roles and who may see what (DESIGN.md rules 3 and 12).

Every app asks these questions here and nowhere else:

- *which records may this user read?* `scope_prefix`, `in_region`, `scoped`;
- *is this region code inside the user's scope?* `code_in_scope` (reads) and
  `require_in_scope` (writes, raising a named error);
- *may this user write, propose, see a full number?* `can_write`, `require_writer`,
  `can_propose`, `can_see_full_identity`;
- *may this administrator manage that account?* `can_manage_users`, `user_manageable`,
  `require_assignable` (decision 40).

Administrative codes are hierarchical (2 province, 4 city, 6 county, 9 township, 12 village
digits), so a user's scope is the code prefix of their region node: "" for a superuser (the
whole country), None for an account that may read nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet

from jkfp.errors import DomainError, ErrorCode

from .models import Department, Role, User

#: the roles that may change registry data (the others read only)
WRITE_ROLES: tuple[str, ...] = (Role.DATA_ENTRY, Role.REVIEWER, Role.APPROVER, Role.ADMIN)

#: region code lengths by level: province, city, county, township, village
LEVEL_LENGTHS = (2, 4, 6, 9, 12)
COUNTY_LEN, TOWNSHIP_LEN = 6, 9


# ---------------------------------------------------------------- scope
def scope_prefix(user: User) -> str | None:
    """The region prefix a user may read; "" means everything (superusers); None nothing."""
    if user.is_superuser:
        return ""
    if not user.is_authenticated or not user.region_code:
        return None
    return user.region_code


def level_length(user: User) -> int:
    """The length of the user's region code: 6 for a county user, 9 for a township user."""
    return len(user.region_code or "")


def code_in_scope(user: User, code: str) -> bool:
    """Whether a region code lies inside the user's scope (the one "in scope" predicate)."""
    prefix = scope_prefix(user)
    return prefix is not None and (code or "").startswith(prefix)


def code_visible(user: User, code: str) -> bool:
    """A region node the user may name: inside the scope, or on the chain above it."""
    prefix = scope_prefix(user)
    return prefix is not None and (code.startswith(prefix) or prefix.startswith(code))


def in_region(prefix: str, field: str = "region_code") -> Q:
    """Codes under a region: `LIKE 'prefix%'` plus the equivalent range on the same column.

    The range (`640323` ≤ code < `640324`) lets PostgreSQL use the b-tree on `region_code`
    whatever the database collation; digit codes sort the same in every collation.
    """
    if not prefix:  # the whole country (a superuser's scope)
        return Q()
    upper = str(int(prefix) + 1).zfill(len(prefix))
    if len(upper) > len(prefix):  # "99…" has no successor of the same length
        return Q(**{f"{field}__startswith": prefix})
    return Q(**{f"{field}__startswith": prefix, f"{field}__gte": prefix, f"{field}__lt": upper})


def scoped(qs: QuerySet, user: User, field: str = "region_code") -> QuerySet:
    """`qs` limited to the user's region: the one scope rule of every personal-data read."""
    prefix = scope_prefix(user)
    if prefix is None:
        return qs.none()
    if prefix == "":
        return qs
    return qs.filter(in_region(prefix, field))


def require_in_scope(user: User, region_code: str, *, field: str = "region_code") -> None:
    """Refuse a write outside the user's region (`region_out_of_scope`)."""
    if not code_in_scope(user, region_code):
        raise DomainError(ErrorCode.REGION_OUT_OF_SCOPE,
                          f"区划“{region_code}”不在您的管辖区域内", field=field)


# ---------------------------------------------------------------- roles
def can_write(user: User) -> bool:
    return bool(user.is_superuser or user.role in WRITE_ROLES)


def require_writer(user: User) -> None:
    if not can_write(user):
        raise DomainError(ErrorCode.PERMISSION, "您的角色为只读，不能修改数据")


def can_propose(user: User) -> bool:
    """Admission/exit requests are proposed at village or township level."""
    return user.is_superuser or (can_write(user) and level_length(user) >= TOWNSHIP_LEN)


def can_correct(user: User) -> bool:
    """An administrator may correct category periods outside the procedures (with a reason)."""
    return bool(user.is_superuser or user.role == Role.ADMIN)


def can_see_full_identity(user: User) -> bool:
    """Whether the user's role may be shown a full ID or phone number (each showing logged)."""
    return bool(user.is_superuser or user.role in settings.JKFP_FULL_ID_ROLES)


# ---------------------------------------------------------------- health data
#: departments whose users may see diagnoses, visit details and screening findings (rule 12);
#: the others see only the coarse health status that monitoring lists carry
HEALTH_DEPARTMENTS: tuple[str, ...] = (Department.HEALTH, Department.HOSPITAL,
                                       Department.MEDICAL_INSURANCE)


def can_see_health(user: User) -> bool:
    """Whether the user may see health details (diagnoses, visits, findings)."""
    return bool(user.is_superuser or (user.is_authenticated
                                      and user.department in HEALTH_DEPARTMENTS))


def require_health_reader(user: User) -> None:
    """Refuse health details to a department that may see only the coarse status (403)."""
    if not can_see_health(user):
        raise DomainError(ErrorCode.PERMISSION, "您所在部门只能查看健康状况分类，不能查看诊断和随访等健康信息")


def can_write_health(user: User) -> bool:
    """Health records are written by health and hospital users with a writing role."""
    return bool(user.is_superuser or (can_write(user) and user.department in
                                      (Department.HEALTH, Department.HOSPITAL)))


def require_health_writer(user: User) -> None:
    if not can_write_health(user):
        raise DomainError(ErrorCode.PERMISSION, "只有卫生健康部门和医疗机构的经办人员可以登记健康服务信息")


# ---------------------------------------------------------------- settlement
#: departments whose users with a writing role settle hospital stays (一站式结算): the
#: medical-insurance office and the hospitals; administrators settle whatever their department
SETTLE_DEPARTMENTS: tuple[str, ...] = (Department.MEDICAL_INSURANCE, Department.HOSPITAL)


def can_settle(user: User) -> bool:
    """Whether the user may settle, correct or reverse a stay's settlement (decision 38)."""
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or user.role == Role.ADMIN
                or (can_write(user) and user.department in SETTLE_DEPARTMENTS))


def require_settler(user: User) -> None:
    """Refuse a settlement to anyone but medical-insurance and hospital staff (403)."""
    if not can_settle(user):
        raise DomainError(ErrorCode.PERMISSION,
                          "只有医疗保障部门和医疗机构的经办人员（或管理员）可以办理住院结算")


# ---------------------------------------------------------------- user management
def can_manage_users(user: User) -> bool:
    """An administrator with a region manages the accounts of that region in the app's pages."""
    return bool(user.is_active and (user.is_superuser
                                    or (user.role == Role.ADMIN and user.region_code)))


def require_user_manager(user: User) -> None:
    if not can_manage_users(user):
        raise DomainError(ErrorCode.PERMISSION, "只有管理员可以管理本辖区的用户")


def user_manageable(admin: User, target: User) -> bool:
    """An account the administrator may see and change: inside their region, never a
    superuser (a superuser may manage every other account)."""
    if not can_manage_users(admin) or (target.is_superuser and target.pk != admin.pk):
        return False
    return admin.is_superuser or code_in_scope(admin, target.region_code)


def require_assignable(admin: User, *, region_code: str) -> None:
    """An account gets a region inside the administrator's own: nobody is raised above the
    administrator's level (`region_out_of_scope`)."""
    if not region_code:
        raise DomainError(ErrorCode.REQUIRED, "须选择所属区划", field="region")
    if not code_in_scope(admin, region_code):
        raise DomainError(ErrorCode.REGION_OUT_OF_SCOPE,
                          f"区划“{region_code}”不在您的管辖区域内，不能把用户设在本级之上或辖区之外",
                          field="region")


# ---------------------------------------------------------------- household changes
#: roles that decide the registry's structural changes (splitting, merging and ending a
#: household) and ID corrections; a data-entry clerk records a head change or a move
REVIEW_ROLES: tuple[str, ...] = (Role.REVIEWER, Role.APPROVER, Role.ADMIN)


def can_review_registry(user: User) -> bool:
    """Whether the user may split, merge or end a household, or decide an ID correction."""
    return bool(user.is_superuser or (user.is_authenticated and user.role in REVIEW_ROLES))


def require_registry_reviewer(user: User) -> None:
    if not can_review_registry(user):
        raise DomainError(ErrorCode.HOUSEHOLD_CHANGE_ROLE,
                          "分户、合户、注销户和身份信息更正须由审核、审批人员或管理员办理")


# ---------------------------------------------------------------- imports (data exchange)
#: the department that owns each kind of list (issue 10): only it imports the list
IMPORT_OWNERS: dict[str, str] = {
    "monitoring": Department.RURAL_REVITALISATION,
    "civil_affairs": Department.CIVIL_AFFAIRS,
    "enrolment": Department.MEDICAL_INSURANCE,
    "insurance_settlements": Department.MEDICAL_INSURANCE,
    "contracts": Department.HEALTH,
    "followups": Department.HEALTH,
    "institutions": Department.HEALTH,  # facilities and staff (decision 79)
    "staff": Department.HEALTH,
}
#: the roles that may import a list of their department
IMPORT_ROLES: tuple[str, ...] = (Role.REVIEWER, Role.APPROVER)


def can_import(user: User, kind: str) -> bool:
    """A list is imported by its owning department, at county level, by a reviewer or an
    approver (or a superuser). The import is that department's route to open and end its
    categories (decision 28)."""
    if user.is_superuser:
        return True
    return bool(user.is_authenticated and IMPORT_OWNERS.get(kind) == user.department
                and user.role in IMPORT_ROLES and level_length(user) == COUNTY_LEN)


def require_importer(user: User, kind: str) -> None:
    if not can_import(user, kind):
        raise DomainError(ErrorCode.PERMISSION,
                          "只有主管该名单的部门在县级的审核或审批人员可以导入此类名单")
