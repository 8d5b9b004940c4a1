"""The django-ninja API object, mounted at /api/v1/; each app contributes its own router
(app/api.py). OpenAPI document at /api/v1/openapi.json, interactive docs at /api/v1/docs."""

from ninja import NinjaAPI

from . import errors
from .auth import bearer, session

DESCRIPTION = """
健康扶贫动态管理系统的 REST 接口。所有请求和应答均为 JSON。

**认证**：`POST /api/v1/auth/token` 以用户名和密码换取令牌，之后每个请求带
`Authorization: Bearer <令牌>`；`DELETE /api/v1/auth/token` 吊销令牌。连续登录失败会暂时锁定
（429 `locked_out`）。已登录的浏览器也可用会话调用，写操作须带 `X-CSRFToken` 请求头。

**范围**：每个用户只能看到和修改其所属区划内的记录；区划外的记录一律答 404，与不存在相同。
只读角色的写操作答 403 `permission`。

**错误**：所有错误的应答体都是 `{"code", "message", "field", "errors": [{"code", "message",
"field"}]}`：`code` 是稳定的错误代码（如 `id_checksum`、`id_duplicate`、`household_no_head`、
`category_overlap`、`region_unknown`、`required`、`invalid`），`message` 是中文说明，`field`
指出出错的字段（如 `members[0].id_number`），`errors` 列出发现的全部问题。状态码：422 数据
不合规，409 `stale_version`（记录已被他人修改；请刷新后再改），403 无权，404 不存在或不在
管辖区域内，401 未认证，400 `bad_request` 请求体不是 JSON，413 `request_too_large` 请求体过大。

**取值范围**：日期为 `YYYY-MM-DD`，须在 1880-01-01 至 2099-12-31 之间；文本不能含控制字符
（制表符、换行除外）；页码最大 10000000，每页最多 200 条。

**隐私**：身份证号和电话在所有应答中脱敏；完整号码只能由有权角色通过
`POST /api/v1/persons/{id}/reveal` 查看，每次查看均记录。

**金额**：以“元”为单位的字符串，两位小数（如 `"12345.60"`），不使用浮点数。
"""

api = NinjaAPI(
    title="jkfp 健康扶贫动态管理系统 API",
    version="1",
    description=DESCRIPTION,
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api-v1",
    auth=[bearer, session],
)
errors.install(api)


def _mount() -> None:
    from jkfp.accounts.api import router as accounts
    from jkfp.admission.api import change_requests
    from jkfp.contracts.api import router as family_doctor
    from jkfp.exchange.api import router as exchange
    from jkfp.facilities.api import router as facilities
    from jkfp.health.api import router as health
    from jkfp.indicators.api import router as indicators
    from jkfp.jobs.api import router as jobs
    from jkfp.monitoring.api import router as warnings
    from jkfp.regions.api import router as regions
    from jkfp.registry.api import households, periods, persons
    from jkfp.screening.api import router as screening
    from jkfp.settlement.api import router as settlement

    api.add_router("", accounts)
    api.add_router("/regions", regions)
    api.add_router("/households", households)
    api.add_router("/persons", persons)
    api.add_router("", periods)
    api.add_router("/change-requests", change_requests)
    api.add_router("", settlement)
    api.add_router("", health)
    api.add_router("/screening", screening)
    api.add_router("/family-doctor", family_doctor)
    api.add_router("/exchange", exchange)
    api.add_router("/facilities", facilities)
    api.add_router("/jobs", jobs)
    api.add_router("/warnings", warnings)
    api.add_router("/indicators", indicators)


_mount()
