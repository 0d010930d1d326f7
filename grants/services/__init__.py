"""Every operation that changes a grant, one function per business action.

- ``nominations``: taking nominations one by one or from a file;
- ``eligibility``: who may be funded, with the reasons;
- ``workflow``: the moves of the state machine declared in ``grants.workflow``
  (certify, approve, pay the advance, settle...) and the ledger entries they post;
- ``commitments``: what the fund may still commit, checked under a lock.

Views, commands and tests call these; nothing else writes a grant's state.
"""
