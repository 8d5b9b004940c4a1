"""jkfp — 健康扶贫动态管理系统 (health poverty alleviation dynamic management system)."""

__version__ = "0.1.0"
