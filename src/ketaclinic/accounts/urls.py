from django.contrib.auth import views as auth_views
from django.urls import path

from ketaclinic.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.LoginView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("two-factor/", views.otp_verify, name="otp"),
    path("two-factor/set-up/", views.otp_enrol, name="otp_enrol"),
    path("account/", views.account, name="account"),
    path("location/", views.location_switch, name="location_switch"),
    path("staff/locked/", views.lockouts, name="lockouts"),
]
