from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("regions/", include("jkfp.regions.urls")),
    path("", include("jkfp.accounts.urls")),
    path("", include("jkfp.registry.urls")),
    path("", include("jkfp.admission.urls")),
    path("", include("jkfp.settlement.urls")),
    path("", include("jkfp.health.urls")),
    path("", include("jkfp.monitoring.urls")),
    path("", include("jkfp.screening.urls")),
    path("", include("jkfp.contracts.urls")),
    path("", include("jkfp.exchange.urls")),
    path("", include("jkfp.facilities.urls")),
    path("", include("jkfp.jobs.urls")),
    path("", include("jkfp.indicators.urls")),
]
