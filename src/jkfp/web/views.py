"""Login, logout and the home page (the region tree from the user's node)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from jkfp.accounts.services import password_changed


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    """Every user sets their own password (the validators of the settings apply); the tokens of
    the API issued under the old one stop working (`accounts.tokens.password_stamp`)."""

    template_name = "web/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed(user=self.request.user)
        messages.success(self.request, _("密码已修改"))
        return response


@login_required
def home(request):
    from jkfp.regions.views import render_region

    return render_region(request, code=None)

