"""The django-ninja API object; each app contributes its own router (app/api.py)."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="jkfp 健康扶贫动态管理系统 API",
    version="1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api-v1",
)
