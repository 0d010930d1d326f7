from django.urls import path

from reports import views_bank

urlpatterns = [
    path("reports/<str:code>/bank/", views_bank.bank_page, name="bank-reconciliation"),
    path("reports/<str:code>/bank/match/", views_bank.match_payout, name="bank-match-payout"),
    path("reports/<str:code>/bank/leave/", views_bank.leave_line, name="bank-leave-line"),
]
