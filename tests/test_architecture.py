"""The import contract of docs/architecture.md ("Who may import what"), checked over the
import graph of src/jkfp: the policy engine imports no Django; an app imports another app only
through its public modules (models, services, selectors, the access module, pure vocabularies);
only the composition layers (web, api, config) reach into other apps' views, urls and api."""

import ast
from pathlib import Path

import jkfp

SRC = Path(jkfp.__file__).parent
APPS = {"regions", "accounts", "registry", "admission", "settlement", "web", "api", "demo",
        "ops", "summaries", "health", "contracts", "screening", "jobs", "exchange", "facilities",
        "monitoring", "indicators"}
SHARED = {"errors", "categories", "sources", "writes", "events", "policy", "cli"}
PUBLIC = {"models", "services", "selectors"}
PUBLIC_EXTRA = {("accounts", "access"), ("accounts", "commands"), ("accounts", "admin"),
                ("accounts", "tokens"),
                ("registry", "idnumber"), ("regions", "codes"), ("summaries", "definitions"),
                ("registry", "xlsxstream"), ("health", "catalog"), ("health", "timeline"),
                ("jobs", "tasks"), ("jobs", "schedule"), ("jobs", "waiting"),
                ("indicators", "definitions"), ("contracts", "management")}
COMPOSERS = {"web", "api", "config"}
COMPOSED = {"api", "urls", "views"}
INFRASTRUCTURE = {"web", "api"}  # shared UI and API parts any app may use
POLICY_MAY_IMPORT = {"jkfp.policy", "jkfp.errors", "jkfp.categories", "jkfp.sources"}


def _imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, node.lineno))
            found += [(f"{node.module}.{a.name}", node.lineno) for a in node.names]
    return found


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if "migrations" in rel.parts:
            continue
        yield rel, path


def test_policy_imports_no_django_and_no_app():
    bad = []
    for rel, path in _modules():
        if rel.parts[0] != "policy":
            continue
        for name, line in _imports(path):
            top = name.split(".")[0]
            if top == "django" or (top == "jkfp" and name != "jkfp" and not any(
                    name == m or name.startswith(m + ".") for m in POLICY_MAY_IMPORT)):
                bad.append(f"{rel}:{line} imports {name}")
    assert bad == []


def _allowed(importer: str, target_app: str, module: str) -> bool:
    if importer == target_app or target_app in SHARED or target_app in INFRASTRUCTURE:
        return True
    if target_app == "config":
        return importer == "config"
    if module in PUBLIC or (target_app, module) in PUBLIC_EXTRA:
        return True
    return importer in COMPOSERS and module in COMPOSED


def test_apps_import_each_other_only_through_public_modules():
    bad = []
    for rel, path in _modules():
        importer = rel.parts[0] if len(rel.parts) > 1 else None
        if importer is None:
            continue
        for name, line in _imports(path):
            parts = name.split(".")
            if parts[0] != "jkfp" or len(parts) < 3 or parts[1] not in APPS | {"config"}:
                continue
            target_app, module = parts[1], parts[2]
            if (SRC / target_app / f"{module}.py").exists() or (SRC / target_app / module).is_dir():
                if not _allowed(importer, target_app, module):
                    bad.append(f"{rel}:{line} imports jkfp.{target_app}.{module}")
    assert bad == []


def test_the_contract_catches_a_violation(tmp_path):
    """The check above can fail: an import of another app's views from a service is caught."""
    assert not _allowed("settlement", "registry", "views")
    assert not _allowed("admission", "registry", "api")
    assert _allowed("web", "regions", "views") and _allowed("settlement", "registry", "selectors")
