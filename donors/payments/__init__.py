"""Card donations through Stripe PaymentIntents: the integration layer.

``gateway`` talks to Stripe (or, in development and tests, to localstripe)
through a configured ``stripe.StripeClient``; ``localstripe_server`` starts and
configures localstripe. docs/stripe.md says how to run it and what it covers.
"""
