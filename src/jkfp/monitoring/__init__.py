"""Early warning of poverty through illness (因病返贫致贫监测预警, issue 11; DOMAIN.md §5, §9, §14).

Rules are dated data (`policies/monitoring/`); set-based scans find warnings; each warning is
followed from found to closed with who, when and why at every step.
"""
