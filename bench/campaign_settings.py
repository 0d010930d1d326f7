"""Settings of ``bench/campaign.py``'s server: the product's own, as deployed
(``fundmgr.settings`` read from the environment), with one change: the URLconf
adds the benchmark's bare view (``bench/campaign_urls.py``). The product's
settings have no hook for another URLconf, and should not grow one for a bench."""

from fundmgr.settings import *  # noqa: F403 - the product's settings, unchanged

ROOT_URLCONF = "bench.campaign_urls"
