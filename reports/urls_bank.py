from django.urls import path

from reports import views_bank

urlpatterns = [
    path("reports/<str:code>/bank/", views_bank.bank_page, name="bank-reconciliation"),
    path("reports/<str:code>/bank/match/", views_bank.match_payout, name="bank-match-payout"),
    path("reports/<str:code>/bank/leave/", views_bank.leave_line, name="bank-leave-line"),
    path("reports/<str:code>/bank/exchange/", views_bank.book_exchange, name="bank-book-exchange"),
    path("reports/<str:code>/bank/unmatch/", views_bank.unmatch_line, name="bank-unmatch-payout"),
    path("reports/<str:code>/bank/reopen/", views_bank.reopen, name="bank-reopen-line"),
]
